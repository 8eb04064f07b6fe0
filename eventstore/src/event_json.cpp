// Generic JSON of envelopes through Cap'n Proto's dynamic (reflection) API.
#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <charconv>
#include <ctime>

#include <mercato/eventstore/capnp_json.hpp>
#include <mercato/eventstore/envelope.hpp>
#include <mercato/eventstore/json.hpp>

namespace mercato::es {

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

void append_value(std::string& out, const capnp::DynamicValue::Reader& v);

void append_struct(std::string& out, capnp::DynamicStruct::Reader s) {
  out.push_back('{');
  bool first = true;
  auto field = [&](capnp::StructSchema::Field f) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, f.getProto().getName().cStr());
    out.push_back(':');
    append_value(out, s.get(f));
  };
  for (auto f : s.getSchema().getNonUnionFields()) field(f);
  KJ_IF_MAYBE (active, s.which()) { field(*active); }
  out.push_back('}');
}

void append_value(std::string& out, const capnp::DynamicValue::Reader& v) {
  switch (v.getType()) {
  case capnp::DynamicValue::UNKNOWN:
  case capnp::DynamicValue::VOID: out += "null"; return;
  case capnp::DynamicValue::BOOL: out += v.as<bool>() ? "true" : "false"; return;
  case capnp::DynamicValue::INT: append_int(out, v.as<std::int64_t>()); return;
  case capnp::DynamicValue::UINT: append_int(out, v.as<std::uint64_t>()); return;
  case capnp::DynamicValue::FLOAT: {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.as<double>());
    out.append(buf, end);
    return;
  }
  case capnp::DynamicValue::TEXT: {
    auto t = v.as<capnp::Text>();
    append_json_string(out, std::string_view(t.cStr(), t.size()));
    return;
  }
  case capnp::DynamicValue::DATA: append_base64_quoted(out, v.as<capnp::Data>()); return;
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
  case capnp::DynamicValue::STRUCT: append_struct(out, v.as<capnp::DynamicStruct>()); return;
  case capnp::DynamicValue::CAPABILITY:
  case capnp::DynamicValue::ANY_POINTER: out += "null"; return;
  }
  out += "null";
}

/// The payload is the active member of the Event union: its fields, without the wrapper.
void append_data(std::string& out, schema::Envelope::Reader env) {
  auto event = capnp::toDynamic(env.getEvent());
  KJ_IF_MAYBE (active, event.which()) {
    auto v = event.get(*active);
    if (v.getType() == capnp::DynamicValue::STRUCT)
      append_struct(out, v.as<capnp::DynamicStruct>());
    else
      append_value(out, v);
  } else {
    out += "null";
  }
}

}  // namespace

void append_capnp_json(std::string& out, capnp::DynamicStruct::Reader s) { append_struct(out, s); }

namespace {

void append_quoted(std::string& out, std::string_view text, bool escape_high) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20 || c == 0x7f || (escape_high && c >= 0x80)) {
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
      } else {
        out.push_back(ch);
      }
    }
  }
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

void append_json_string(std::string& out, std::string_view text) { append_quoted(out, text, false); }
void append_json_bytes(std::string& out, std::string_view bytes) { append_quoted(out, bytes, true); }

std::string format_timestamp(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[96];
  const int len = std::snprintf(out, sizeof out, "%.*s.%09lldZ", static_cast<int>(n), buf, static_cast<long long>(frac));
  return std::string(out, static_cast<std::size_t>(len));
}

void append_event_json(std::string& out, const recorded_event& e) {
  envelope_reader r(e);
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
  out += format_timestamp(e.timestamp_ns);
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
  append_data(out, env);
  out.push_back('}');
}

void append_event_data_json(std::string& out, const recorded_event& e) {
  envelope_reader r(e);
  append_data(out, r.envelope());
}

envelope_ids read_envelope_ids(const recorded_event& e) {
  envelope_reader r(e);
  auto env = r.envelope();
  auto str = [](capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); };
  return {str(env.getCorrelationId()), str(env.getCausationId()), str(env.getIdempotencyKey()), str(env.getNodeId())};
}

}  // namespace mercato::es
