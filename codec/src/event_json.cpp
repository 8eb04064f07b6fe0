// Events as JSON (json.hpp), generically through Cap'n Proto's schemas: compiled plans
// over the struct named by an envelope's schema id (or, for records of the first form, the
// member of the Event union embedded in it).
#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <mercato/schema/events.capnp.h>
#include <mercato/codec/capnp_json.hpp>
#include <mercato/codec/json.hpp>
#include <mercato/eventstore/envelope.hpp>

namespace mercato::codec {

namespace {

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_base64_quoted(std::string& out, capnp::Data::Reader data) {
  out.push_back('"');
  append_base64(out, std::string_view(reinterpret_cast<const char*>(data.begin()), data.size()));
  out.push_back('"');
}

void append_double(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

struct plan;
const plan& plan_of(capnp::StructSchema s);
void append_planned(std::string& out, const plan& p, capnp::AnyStruct::Reader r);

void append_value(std::string& out, const capnp::DynamicValue::Reader& v) {
  switch (v.getType()) {
    case capnp::DynamicValue::UNKNOWN:
    case capnp::DynamicValue::VOID:
      out += "null";
      return;
    case capnp::DynamicValue::BOOL:
      out += v.as<bool>() ? "true" : "false";
      return;
    case capnp::DynamicValue::INT:
      append_int(out, v.as<std::int64_t>());
      return;
    case capnp::DynamicValue::UINT:
      append_int(out, v.as<std::uint64_t>());
      return;
    case capnp::DynamicValue::FLOAT:
      append_double(out, v.as<double>());
      return;
    case capnp::DynamicValue::TEXT: {
      auto t = v.as<capnp::Text>();
      append_json_string(out, std::string_view(t.cStr(), t.size()));
      return;
    }
    case capnp::DynamicValue::DATA:
      append_base64_quoted(out, v.as<capnp::Data>());
      return;
    case capnp::DynamicValue::LIST: {
      out.push_back('[');
      bool first = true;
      for (auto item : v.as<capnp::DynamicList>()) {
        if (!first) out.push_back(',');
        first = false;
        append_value(out, item);
      }
      out.push_back(']');
      return;
    }
    case capnp::DynamicValue::ENUM: {
      auto e = v.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE (named, e.getEnumerant()) {
        append_json_string(out, named->getProto().getName().cStr());
      } else {
        append_int(out, e.getRaw());  // a value newer than this schema
      }
      return;
    }
    case capnp::DynamicValue::STRUCT: {
      auto st = v.as<capnp::DynamicStruct>();
      append_planned(out, plan_of(st.getSchema()), st.as<capnp::AnyStruct>());
      return;
    }
    case capnp::DynamicValue::CAPABILITY:
    case capnp::DynamicValue::ANY_POINTER:
      out += "null";
      return;
  }
  out += "null";
}

// ---- compiled JSON plans ---------------------------------------------------------------------
// Reflection through capnp's dynamic API re-interprets each field's schema on every read
// (Field::getType, getProto): that was most of an NDJSON export's time. A struct schema is
// compiled once (per thread) into the steps that write its JSON, reading the struct's data
// and pointer sections directly; the output is the same as the dynamic form's.

struct step {
  enum class kind : std::uint8_t {
    void_,
    bool_,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    enum_,
    text,
    data,
    list_struct,
    list_text,
    struct_,
    group,
    dynamic  // dynamic: anything else, through the reflection API
  };
  std::string key;  // `"name":` (a leading comma is added between fields)
  kind k = kind::dynamic;
  std::uint32_t offset = 0;        // slot offset, in units of the field's size
  std::uint64_t default_bits = 0;  // data fields are stored XOR their default
  std::uint16_t discriminant = capnp::schema::Field::NO_DISCRIMINANT;
  capnp::StructSchema::Field field;
  capnp::StructSchema nested;                            // struct_, group, list_struct
  const std::vector<std::string>* enumerants = nullptr;  // enum_: quoted names by value
  mutable const plan* nested_plan = nullptr;             // resolved on first use
};

struct plan {
  capnp::StructSchema schema;
  std::vector<step> fields;   // non-union fields, in the schema's order
  std::vector<step> members;  // union members
  std::uint32_t discriminant_offset = 0;
  bool has_union = false;
};

/// Plans (and enum name tables) of this thread, by schema.
struct plan_cache {
  struct hash {
    std::size_t operator()(const capnp::Schema& s) const { return s.hashCode(); }
  };
  std::unordered_map<capnp::StructSchema, std::unique_ptr<plan>, hash> plans;
  std::unordered_map<capnp::EnumSchema, std::unique_ptr<std::vector<std::string>>, hash> enums;

  const plan& of(capnp::StructSchema s);
  const std::vector<std::string>& names(capnp::EnumSchema e) {
    auto& slot = enums[e];
    if (!slot) {
      slot = std::make_unique<std::vector<std::string>>();
      for (auto en : e.getEnumerants()) {
        std::string q;
        append_json_string(q, en.getProto().getName().cStr());
        slot->push_back(std::move(q));
      }
    }
    return *slot;
  }
};

plan_cache& cache() {
  thread_local plan_cache c;
  return c;
}

const plan& plan_of(capnp::StructSchema s) {
  return cache().of(s);
}

std::uint64_t default_bits(capnp::schema::Value::Reader v) {
  using V = capnp::schema::Value;
  switch (v.which()) {
    case V::BOOL:
      return v.getBool() ? 1 : 0;
    case V::INT8:
      return static_cast<std::uint8_t>(v.getInt8());
    case V::INT16:
      return static_cast<std::uint16_t>(v.getInt16());
    case V::INT32:
      return static_cast<std::uint32_t>(v.getInt32());
    case V::INT64:
      return static_cast<std::uint64_t>(v.getInt64());
    case V::UINT8:
      return v.getUint8();
    case V::UINT16:
      return v.getUint16();
    case V::UINT32:
      return v.getUint32();
    case V::UINT64:
      return v.getUint64();
    case V::FLOAT32: {
      const float f = v.getFloat32();
      std::uint32_t b;
      std::memcpy(&b, &f, 4);
      return b;
    }
    case V::FLOAT64: {
      const double d = v.getFloat64();
      std::uint64_t b;
      std::memcpy(&b, &d, 8);
      return b;
    }
    case V::ENUM:
      return v.getEnum();
    default:
      return 0;
  }
}

step compile(plan_cache& c, capnp::StructSchema::Field f) {
  step s;
  s.field = f;
  auto proto = f.getProto();
  append_json_string(s.key, proto.getName().cStr());
  s.key.push_back(':');
  s.discriminant = proto.getDiscriminantValue();
  if (proto.isGroup()) {
    s.k = step::kind::group;
    s.nested = f.getType().asStruct();
    return s;
  }
  auto slot = proto.getSlot();
  s.offset = slot.getOffset();
  s.default_bits = default_bits(slot.getDefaultValue());
  using T = capnp::schema::Type;
  auto type = f.getType();
  switch (type.which()) {
    case T::VOID:
      s.k = step::kind::void_;
      break;
    case T::BOOL:
      s.k = step::kind::bool_;
      break;
    case T::INT8:
      s.k = step::kind::i8;
      break;
    case T::INT16:
      s.k = step::kind::i16;
      break;
    case T::INT32:
      s.k = step::kind::i32;
      break;
    case T::INT64:
      s.k = step::kind::i64;
      break;
    case T::UINT8:
      s.k = step::kind::u8;
      break;
    case T::UINT16:
      s.k = step::kind::u16;
      break;
    case T::UINT32:
      s.k = step::kind::u32;
      break;
    case T::UINT64:
      s.k = step::kind::u64;
      break;
    case T::FLOAT32:
      s.k = step::kind::f32;
      break;
    case T::FLOAT64:
      s.k = step::kind::f64;
      break;
    case T::ENUM:
      s.k = step::kind::enum_;
      s.enumerants = &c.names(type.asEnum());
      break;
    // Pointer fields with a default other than null keep the reflection path (none in our schemas).
    case T::TEXT:
      s.k = slot.getHadExplicitDefault() ? step::kind::dynamic : step::kind::text;
      break;
    case T::DATA:
      s.k = slot.getHadExplicitDefault() ? step::kind::dynamic : step::kind::data;
      break;
    case T::STRUCT:
      s.k = slot.getHadExplicitDefault() ? step::kind::dynamic : step::kind::struct_;
      s.nested = type.asStruct();
      break;
    case T::LIST: {
      auto elem = type.asList().getElementType();
      if (slot.getHadExplicitDefault()) break;
      if (elem.isStruct()) {
        s.k = step::kind::list_struct;
        s.nested = elem.asStruct();
      } else if (elem.isText()) {
        s.k = step::kind::list_text;
      }
      break;
    }
    default:
      break;
  }
  return s;
}

const plan& plan_cache::of(capnp::StructSchema s) {
  auto& slot = plans[s];
  if (!slot) {
    auto p = std::make_unique<plan>();
    p->schema = s;
    for (auto f : s.getNonUnionFields()) p->fields.push_back(compile(*this, f));
    auto unions = s.getUnionFields();
    p->has_union = unions.size() > 0;
    for (auto f : unions) p->members.push_back(compile(*this, f));
    p->discriminant_offset = s.getProto().getStruct().getDiscriminantOffset();
    slot = std::move(p);
  }
  return *slot;
}

template <class T>
T data_field(kj::ArrayPtr<const kj::byte> data, std::uint32_t offset, std::uint64_t default_bits) {
  using U = std::conditional_t<
      sizeof(T) == 1, std::uint8_t,
      std::conditional_t<sizeof(T) == 2, std::uint16_t,
                         std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  U bits = 0;
  const std::size_t at = static_cast<std::size_t>(offset) * sizeof(T);
  if (at + sizeof(T) <= data.size())
    std::memcpy(&bits, data.begin() + at, sizeof(T));  // little-endian, as capnp
  bits = static_cast<U>(bits ^ static_cast<U>(default_bits));
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

void append_planned(std::string& out, const plan& p, capnp::AnyStruct::Reader r);

void append_step(std::string& out, const step& s, capnp::AnyStruct::Reader r) {
  auto data = r.getDataSection();
  auto pointer = [&]() -> kj::Maybe<capnp::AnyPointer::Reader> {
    auto ptrs = r.getPointerSection();
    if (s.offset >= ptrs.size()) return nullptr;
    return ptrs[s.offset];
  };
  auto nested_plan = [&]() -> const plan& {
    if (!s.nested_plan) s.nested_plan = &cache().of(s.nested);
    return *s.nested_plan;
  };
  using K = step::kind;
  switch (s.k) {
    case K::void_:
      out += "null";
      return;
    case K::bool_: {
      const std::size_t byte = s.offset / 8;
      const unsigned bit =
          byte < data.size() ? (static_cast<unsigned>(data[byte]) >> (s.offset % 8)) & 1u : 0u;
      out += (bit ^ static_cast<unsigned>(s.default_bits & 1u)) != 0 ? "true" : "false";
      return;
    }
    case K::i8:
      append_int(out, data_field<std::int8_t>(data, s.offset, s.default_bits));
      return;
    case K::i16:
      append_int(out, data_field<std::int16_t>(data, s.offset, s.default_bits));
      return;
    case K::i32:
      append_int(out, data_field<std::int32_t>(data, s.offset, s.default_bits));
      return;
    case K::i64:
      append_int(out, data_field<std::int64_t>(data, s.offset, s.default_bits));
      return;
    case K::u8:
      append_int(out, data_field<std::uint8_t>(data, s.offset, s.default_bits));
      return;
    case K::u16:
      append_int(out, data_field<std::uint16_t>(data, s.offset, s.default_bits));
      return;
    case K::u32:
      append_int(out, data_field<std::uint32_t>(data, s.offset, s.default_bits));
      return;
    case K::u64:
      append_int(out, data_field<std::uint64_t>(data, s.offset, s.default_bits));
      return;
    case K::f32:
      append_double(out, data_field<float>(data, s.offset, s.default_bits));
      return;
    case K::f64:
      append_double(out, data_field<double>(data, s.offset, s.default_bits));
      return;
    case K::enum_: {
      const auto v = data_field<std::uint16_t>(data, s.offset, s.default_bits);
      if (v < s.enumerants->size())
        out += (*s.enumerants)[v];
      else
        append_int(out, v);  // a value newer than this schema
      return;
    }
    case K::text: {
      capnp::Text::Reader t;
      KJ_IF_MAYBE (ptr, pointer()) {
        t = ptr->getAs<capnp::Text>();
      }
      append_json_string(out, std::string_view(t.cStr(), t.size()));
      return;
    }
    case K::data: {
      capnp::Data::Reader d;
      KJ_IF_MAYBE (ptr, pointer()) {
        d = ptr->getAs<capnp::Data>();
      }
      append_base64_quoted(out, d);
      return;
    }
    case K::struct_: {
      capnp::AnyStruct::Reader inner;
      KJ_IF_MAYBE (ptr, pointer()) {
        inner = ptr->getAs<capnp::AnyStruct>();
      }
      append_planned(out, nested_plan(), inner);
      return;
    }
    case K::group:
      append_planned(out, nested_plan(), r);
      return;
    case K::list_struct: {
      out.push_back('[');
      KJ_IF_MAYBE (ptr, pointer()) {
        bool first = true;
        for (auto item : ptr->getAs<capnp::AnyList>().as<capnp::List<capnp::AnyStruct>>()) {
          if (!first) out.push_back(',');
          first = false;
          append_planned(out, nested_plan(), item);
        }
      }
      out.push_back(']');
      return;
    }
    case K::list_text: {
      out.push_back('[');
      KJ_IF_MAYBE (ptr, pointer()) {
        bool first = true;
        for (auto t : ptr->getAs<capnp::List<capnp::Text>>()) {
          if (!first) out.push_back(',');
          first = false;
          append_json_string(out, std::string_view(t.cStr(), t.size()));
        }
      }
      out.push_back(']');
      return;
    }
    case K::dynamic:
      break;
  }
  append_value(out, r.as<capnp::DynamicStruct>(s.field.getContainingStruct()).get(s.field));
}

void append_planned(std::string& out, const plan& p, capnp::AnyStruct::Reader r) {
  out.push_back('{');
  bool first = true;
  auto field = [&](const step& s) {
    if (!first) out.push_back(',');
    first = false;
    out += s.key;
    append_step(out, s, r);
  };
  for (const auto& s : p.fields) field(s);
  if (p.has_union) {
    const auto which = data_field<std::uint16_t>(r.getDataSection(), p.discriminant_offset, 0);
    for (const auto& s : p.members)
      if (s.discriminant == which) {
        field(s);
        break;
      }
  }
  out.push_back('}');
}

/// The struct schema of each event type, by its Cap'n Proto id (the Event union's members).
const capnp::StructSchema* event_schema_of(std::uint64_t id) {
  static const auto by_id = [] {
    std::unordered_map<std::uint64_t, capnp::StructSchema> m;
    for (auto f : capnp::Schema::from<schema::Event>().getUnionFields())
      if (f.getType().isStruct())
        m.emplace(f.getType().asStruct().getProto().getId(), f.getType().asStruct());
    return m;
  }();
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &it->second;
}

/// The event's own fields: the payload's root struct, or in a record of the first form the
/// active member of the embedded Event union (its value, without the wrapper).
void append_data(std::string& out, es::envelope_reader& r) {
  const auto payload = r.payload();
  if (!payload.empty()) {
    const auto* s = event_schema_of(r.schema_id());
    if (s == nullptr || payload.size() % sizeof(capnp::word) != 0) {
      out += "null";  // a type newer than this build
      return;
    }
    capnp::FlatArrayMessageReader message(kj::ArrayPtr<const capnp::word>(
        reinterpret_cast<const capnp::word*>(payload.data()), payload.size() / sizeof(capnp::word)));
    append_planned(out, plan_of(*s), message.getRoot<capnp::AnyStruct>());
    return;
  }
  static const auto event_schema = capnp::Schema::from<schema::Event>();
  const auto& p = plan_of(event_schema);
  capnp::AnyStruct::Reader u(r.legacy_event().getAs<schema::Event>());
  const auto which = data_field<std::uint16_t>(u.getDataSection(), p.discriminant_offset, 0);
  for (const auto& st : p.members)
    if (st.discriminant == which) return append_step(out, st, u);
  out += "null";  // a member newer than this schema
}

}  // namespace

void append_capnp_json(std::string& out, capnp::DynamicStruct::Reader s) {
  append_planned(out, plan_of(s.getSchema()), s.as<capnp::AnyStruct>());
}

namespace {

void append_quoted(std::string& out, std::string_view text, bool escape_high) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied: they need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && !(escape_high && c >= 0x80)) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(u, 6);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto byte = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[i])); };
  std::size_t i = 0;
  const auto n = bytes.size();
  for (; i + 2 < n; i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (unsigned shift : {18u, 12u, 6u, 0u}) out.push_back(table[(v >> shift) & 63]);
  }
  if (i < n) {
    unsigned v = byte(i) << 16;
    if (i + 1 < n) v |= byte(i + 1) << 8;
    out.push_back(table[(v >> 18) & 63]);
    out.push_back(table[(v >> 12) & 63]);
    out.push_back(i + 1 < n ? table[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

void append_json_string(std::string& out, std::string_view text) {
  append_quoted(out, text, false);
}
void append_json_bytes(std::string& out, std::string_view bytes) {
  append_quoted(out, bytes, true);
}

namespace {

/// Appends RFC 3339 UTC with nanoseconds (days to a civil date: H. Hinnant's algorithm;
/// gmtime_r + strftime + snprintf cost more than the rest of an event's JSON).
void append_timestamp(std::string& out, std::int64_t ns) {
  constexpr std::int64_t ns_per_s = 1'000'000'000, s_per_day = 86'400;
  std::int64_t secs = ns / ns_per_s, frac = ns % ns_per_s;
  if (frac < 0) {
    frac += ns_per_s;
    --secs;
  }
  std::int64_t days = secs / s_per_day, tod = secs % s_per_day;
  if (tod < 0) {
    tod += s_per_day;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) {  // outside RFC 3339's four digits: written as far as it goes
    char wide[64];
    const int n = std::snprintf(wide, sizeof wide, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09lldZ",
                                static_cast<long long>(year), static_cast<long long>(month),
                                static_cast<long long>(day), static_cast<long long>(tod / 3600),
                                static_cast<long long>(tod / 60 % 60), static_cast<long long>(tod % 60),
                                static_cast<long long>(frac));
    out.append(wide, static_cast<std::size_t>(n));
    return;
  }
  char b[30];
  auto digits = [&](int at, std::int64_t v, int n) {
    for (int k = n - 1; k >= 0; --k, v /= 10) b[at + k] = static_cast<char>('0' + v % 10);
  };
  digits(0, year, 4);
  b[4] = '-';
  digits(5, month, 2);
  b[7] = '-';
  digits(8, day, 2);
  b[10] = 'T';
  digits(11, tod / 3600, 2);
  b[13] = ':';
  digits(14, tod / 60 % 60, 2);
  b[16] = ':';
  digits(17, tod % 60, 2);
  b[19] = '.';
  digits(20, frac, 9);
  b[29] = 'Z';
  out.append(b, 30);
}

}  // namespace

std::string format_timestamp(std::int64_t ns) {
  std::string out;
  append_timestamp(out, ns);
  return out;
}

void append_event_json(std::string& out, const es::recorded_event& e) {
  es::envelope_reader r(e);
  auto env = r.envelope();
  out += "{\"globalPosition\":";
  append_int(out, e.global.value());
  out += ",\"shard\":";
  append_int(out, e.pos.shard.value());
  out += ",\"sequence\":";
  append_int(out, e.pos.seq.value());
  out += ",\"stream\":";
  append_json_string(out, e.stream);
  out += ",\"version\":";
  append_int(out, e.version.value());
  out += ",\"type\":";
  append_json_string(out, e.type);
  out += ",\"timestamp\":\"";
  append_timestamp(out, e.timestamp_ns);
  out += "\",\"timestampNs\":";
  append_int(out, e.timestamp_ns);
  auto text = [&](const char* name, capnp::Text::Reader t) {
    out += name;
    append_json_string(out, std::string_view(t.cStr(), t.size()));
  };
  text(",\"correlationId\":", env.getCorrelationId());
  text(",\"causationId\":", env.getCausationId());
  text(",\"idempotencyKey\":", env.getIdempotencyKey());
  text(",\"nodeId\":", env.getNodeId());
  out += ",\"data\":";
  append_data(out, r);
  out.push_back('}');
}

void append_event_data_json(std::string& out, const es::recorded_event& e) {
  es::envelope_reader r(e);
  append_data(out, r);
}

}  // namespace mercato::codec
