// JSON of events: the compiled plans (codec/src/event_json.cpp) against a plain reflection
// renderer written here (capnp's reflection API is the oracle), on every member of the Event
// union and every snapshot-free schema struct, filled with random values (unicode, quotes,
// control characters, extremes, unset fields); and through stored envelopes of both forms
// (the opaque payload of today, the embedded Event union of the first form).
#include <doctest/doctest.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <random>

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <mercato/schema/events.capnp.h>
#include <mercato/codec/capnp_json.hpp>
#include <mercato/codec/json.hpp>
#include <mercato/eventstore/envelope.hpp>

using namespace mercato;

namespace {

// ---- the reference: capnp's reflection API, field by field --------------------------------
void ref_value(std::string& out, const capnp::DynamicValue::Reader& v);

void ref_struct(std::string& out, capnp::DynamicStruct::Reader s) {
  out.push_back('{');
  bool first = true;
  auto field = [&](capnp::StructSchema::Field f) {
    if (!first) out.push_back(',');
    first = false;
    codec::append_json_string(out, f.getProto().getName().cStr());
    out.push_back(':');
    ref_value(out, s.get(f));
  };
  for (auto f : s.getSchema().getNonUnionFields()) field(f);
  KJ_IF_MAYBE (active, s.which()) {
    field(*active);
  }
  out.push_back('}');
}

void ref_value(std::string& out, const capnp::DynamicValue::Reader& v) {
  char buf[32];
  switch (v.getType()) {
    case capnp::DynamicValue::BOOL:
      out += v.as<bool>() ? "true" : "false";
      return;
    case capnp::DynamicValue::INT:
      out.append(buf, std::to_chars(buf, buf + 32, v.as<std::int64_t>()).ptr);
      return;
    case capnp::DynamicValue::UINT:
      out.append(buf, std::to_chars(buf, buf + 32, v.as<std::uint64_t>()).ptr);
      return;
    case capnp::DynamicValue::FLOAT:
      out.append(buf, std::to_chars(buf, buf + 32, v.as<double>()).ptr);
      return;
    case capnp::DynamicValue::TEXT: {
      auto t = v.as<capnp::Text>();
      codec::append_json_string(out, std::string_view(t.cStr(), t.size()));
      return;
    }
    case capnp::DynamicValue::DATA: {
      auto d = v.as<capnp::Data>();
      out.push_back('"');
      codec::append_base64(out, std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
      out.push_back('"');
      return;
    }
    case capnp::DynamicValue::LIST: {
      out.push_back('[');
      bool first = true;
      for (auto item : v.as<capnp::DynamicList>()) {
        if (!first) out.push_back(',');
        first = false;
        ref_value(out, item);
      }
      out.push_back(']');
      return;
    }
    case capnp::DynamicValue::ENUM: {
      auto e = v.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE (named, e.getEnumerant()) {
        codec::append_json_string(out, named->getProto().getName().cStr());
      } else {
        out.append(buf, std::to_chars(buf, buf + 32, e.getRaw()).ptr);
      }
      return;
    }
    case capnp::DynamicValue::STRUCT:
      ref_struct(out, v.as<capnp::DynamicStruct>());
      return;
    default:
      out += "null";
      return;
  }
}

// ---- random values for any struct ---------------------------------------------------------
struct filler {
  std::mt19937_64 rng;
  unsigned pick(std::size_t n) { return static_cast<unsigned>(rng() % n); }
  std::string text() {
    static const char* const pieces[] = {"a",    "Zoë",  "\"", "\\", "\n", "\t",
                                         "\x01", "\x7f", "€",  "😀",  " ",  "x,y"};
    std::string t;
    for (auto n = rng() % 6; n > 0; --n) t += pieces[pick(std::size(pieces))];
    return t;
  }
  template <class T>
  T num() {
    switch (rng() % 4) {
      case 0:
        return 0;
      case 1:
        return std::numeric_limits<T>::max();
      case 2:
        return std::numeric_limits<T>::min();
      default:
        return static_cast<T>(rng());
    }
  }
  void fill(capnp::DynamicStruct::Builder s, int depth) {
    auto schema = s.getSchema();
    for (auto f : schema.getNonUnionFields()) set(s, f, depth);
    auto members = schema.getUnionFields();
    if (members.size() > 0) set(s, members[pick(members.size())], depth);
  }
  void set(capnp::DynamicStruct::Builder s, capnp::StructSchema::Field f, int depth) {
    if (rng() % 5 == 0 && f.getProto().getDiscriminantValue() == capnp::schema::Field::NO_DISCRIMINANT)
      return;  // left unset: defaults must render as the reflection API reads them
    if (f.getProto().isGroup()) return fill(s.init(f).as<capnp::DynamicStruct>(), depth);
    auto type = f.getType();
    using T = capnp::schema::Type;
    switch (type.which()) {
      case T::VOID:
        s.set(f, capnp::VOID);
        break;
      case T::BOOL:
        s.set(f, rng() % 2 == 0);
        break;
      case T::INT8:
        s.set(f, num<std::int8_t>());
        break;
      case T::INT16:
        s.set(f, num<std::int16_t>());
        break;
      case T::INT32:
        s.set(f, num<std::int32_t>());
        break;
      case T::INT64:
        s.set(f, num<std::int64_t>());
        break;
      case T::UINT8:
        s.set(f, num<std::uint8_t>());
        break;
      case T::UINT16:
        s.set(f, num<std::uint16_t>());
        break;
      case T::UINT32:
        s.set(f, num<std::uint32_t>());
        break;
      case T::UINT64:
        s.set(f, num<std::uint64_t>());
        break;
      case T::FLOAT32:
        s.set(f, static_cast<float>(rng() % 1000) / 7.0f);
        break;
      case T::FLOAT64:
        s.set(f, static_cast<double>(rng() % 100000) / 3.0);
        break;
      case T::TEXT:
        s.set(f, capnp::Text::Reader(text()));
        break;
      case T::DATA: {
        auto t = text();
        s.set(f, capnp::Data::Reader(reinterpret_cast<const kj::byte*>(t.data()), t.size()));
        break;
      }
      case T::ENUM: {
        auto e = type.asEnum();
        // now and then a value newer than the schema
        const auto raw =
            rng() % 8 == 0 ? std::uint16_t{999} : static_cast<std::uint16_t>(pick(e.getEnumerants().size()));
        s.set(f, capnp::DynamicEnum(e, raw));
        break;
      }
      case T::STRUCT:
        if (depth < 4) fill(s.init(f).as<capnp::DynamicStruct>(), depth + 1);
        break;
      case T::LIST: {
        auto list = s.init(f, pick(4)).as<capnp::DynamicList>();
        auto elem = type.asList().getElementType();
        for (unsigned i = 0; i < list.size(); ++i) {
          if (elem.isStruct()) {
            if (depth < 4) fill(list[i].as<capnp::DynamicStruct>(), depth + 1);
          } else if (elem.isText()) {
            list.set(i, capnp::Text::Reader(text()));
          } else if (elem.isUInt32()) {
            list.set(i, num<std::uint32_t>());
          }
        }
        break;
      }
      default:
        break;
    }
  }
};

}  // namespace

TEST_CASE("every event type renders as the reflection API reads it") {
  filler fill{std::mt19937_64(5)};
  const auto event_schema = capnp::Schema::from<schema::Event>();
  for (auto member : event_schema.getUnionFields()) {
    for (int round = 0; round < 30; ++round) {
      capnp::MallocMessageBuilder msg;
      auto event = msg.initRoot<capnp::DynamicStruct>(event_schema);
      fill.set(event, member, 0);
      const auto reader = event.asReader();
      std::string expected, got;
      ref_struct(expected, reader);
      codec::append_capnp_json(got, reader);
      INFO("member " << member.getProto().getName().cStr());
      REQUIRE(got == expected);
    }
  }
}

namespace {

std::string flat_bytes(capnp::MessageBuilder& message) {
  const auto words = capnp::messageToFlatArray(message);
  const auto chars = words.asChars();
  return {chars.begin(), chars.size()};
}

/// A recorded event around the envelope `build` fills (stream, type and time set here).
template <class Build>
es::recorded_event recorded(std::string_view type, Build&& build) {
  capnp::MallocMessageBuilder env_msg;
  auto env = env_msg.initRoot<schema::Envelope>();
  env.setStreamId("cart/u-1");
  env.setEventType(std::string(type));
  env.setTimestampNs(1'796'000'000'123'456'789);
  build(env);
  es::recorded_event e;
  e.stream = "cart/u-1";
  e.type = type;
  e.timestamp_ns = 1'796'000'000'123'456'789;
  e.envelope = es::envelope_bytes(flat_bytes(env_msg));
  return e;
}

std::string type_name_of(capnp::StructSchema::Field member) {
  std::string name = member.getProto().getName().cStr();
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

}  // namespace

TEST_CASE("an event's data through the envelope equals its struct's JSON, in both stored forms") {
  filler fill{std::mt19937_64(9)};
  const auto event_schema = capnp::Schema::from<schema::Event>();
  std::size_t payload_members = 0;
  for (auto member : event_schema.getUnionFields()) {
    INFO("member " << member.getProto().getName().cStr());
    const auto type = type_name_of(member);
    // The first form: the Event union embedded in the envelope.
    capnp::MallocMessageBuilder msg;
    auto event = msg.initRoot<capnp::DynamicStruct>(event_schema);
    fill.set(event, member, 0);
    std::string expected;
    KJ_IF_MAYBE (active, event.asReader().which()) {
      ref_value(expected, event.asReader().get(*active));
    }
    const auto legacy = recorded(type, [&](schema::Envelope::Builder env) {
      env.getLegacyEvent().setAs<schema::Event>(event.asReader().as<schema::Event>());
    });
    std::string got;
    codec::append_event_data_json(got, legacy);
    CHECK(got == expected);

    if (!member.getType().isStruct()) continue;  // `none`: never written as a payload
    ++payload_members;
    // Today's form: the same struct as the payload's root, opaque to the store.
    const auto event_struct = member.getType().asStruct();
    capnp::MallocMessageBuilder payload_msg;
    payload_msg.setRoot(event.asReader().get(member).as<capnp::DynamicStruct>());
    const auto payload = flat_bytes(payload_msg);
    const auto current = recorded(type, [&](schema::Envelope::Builder env) {
      env.setPayload(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(payload.data()), payload.size()));
      env.setSchemaId(event_struct.getProto().getId());
    });
    got.clear();
    codec::append_event_data_json(got, current);
    CHECK(got == expected);
    // The whole line ends with the same data.
    std::string line;
    codec::append_event_json(line, current);
    CHECK(
        line.starts_with("{\"globalPosition\":0,\"shard\":0,\"sequence\":0,\"stream\":\"cart/u-1\","
                         "\"version\":0,\"type\":\"" +
                         type + "\",\"timestamp\":\"2026-11-30T00:53:20.123456789Z\","));
    CHECK(line.ends_with(",\"data\":" + expected + "}"));
  }
  CHECK(payload_members + 1 == event_schema.getUnionFields().size());
}

TEST_CASE("an event of a type this build does not know renders as null data") {
  capnp::MallocMessageBuilder payload_msg;
  auto unknown = payload_msg.initRoot<schema::CartItemAdded>();
  unknown.setCartId("cart-1");
  const auto payload = flat_bytes(payload_msg);
  const auto e = recorded("SomethingNewer", [&](schema::Envelope::Builder env) {
    env.setPayload(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(payload.data()), payload.size()));
    env.setSchemaId(0x8000'0000'0000'0001ull);  // no struct of this build has that id
  });
  std::string got;
  codec::append_event_data_json(got, e);
  CHECK(got == "null");
  std::string line;
  codec::append_event_json(line, e);
  CHECK(line.ends_with(",\"data\":null}"));
}

TEST_CASE("timestamps in RFC 3339 with nanoseconds") {
  CHECK(codec::format_timestamp(0) == "1970-01-01T00:00:00.000000000Z");
  CHECK(codec::format_timestamp(1'796'000'000'123'456'789) == "2026-11-30T00:53:20.123456789Z");
  CHECK(codec::format_timestamp(951'782'400'000'000'001) == "2000-02-29T00:00:00.000000001Z");  // leap day
  CHECK(codec::format_timestamp(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(codec::format_timestamp(INT64_MAX) == "2262-04-11T23:47:16.854775807Z");
  CHECK(codec::format_timestamp(INT64_MIN) == "1677-09-21T00:12:43.145224192Z");
}
