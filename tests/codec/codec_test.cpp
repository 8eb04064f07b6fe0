// The generated codec against Cap'n Proto itself: for every event, command and snapshot
// state of the schemas, a message filled with random values through capnp's reflection is
// read into the generated C++ value and written back, and the two messages must be equal
// field for field. Plus the log's two stored forms, and what happens with bytes from a newer
// version (unknown types, members, enumerants).
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <random>
#include <string>

#include <doctest/doctest.h>

#include <mercato/codec/codec.hpp>
#include <mercato/codec/commands.codec.hpp>
#include <mercato/codec/events.codec.hpp>
#include <mercato/codec/snapshots.codec.hpp>
#include <mercato/eventstore/envelope.hpp>

using namespace mercato;

namespace {

/// Fills a capnp struct with random values through reflection: every field (for unions one
/// random member; for Money a valid currency, as the codec checks it).
class filler {
 public:
  explicit filler(std::uint64_t seed) : rng_(seed) {}

  void fill(capnp::DynamicStruct::Builder b, int depth = 0) {
    auto schema = b.getSchema();
    if (schema.getProto().getDisplayName().endsWith("Money")) {
      b.set("minorUnits", static_cast<std::int64_t>(rng_() % 1000000) - 500000);
      static const char* codes[] = {"EUR", "USD", "JPY", "KWD"};
      b.set("currency", codes[rng_() % 4]);
      return;
    }
    for (auto f : schema.getNonUnionFields()) fill_field(b, f, depth);
    auto members = schema.getUnionFields();
    if (members.size() > 0) fill_field(b, members[static_cast<unsigned>(rng_() % members.size())], depth);
  }

  /// The union member `name` of `b`, filled.
  void fill_member(capnp::DynamicStruct::Builder b, kj::StringPtr name) {
    auto f = b.getSchema().getFieldByName(name);
    fill_field(b, f, 0);
  }

 private:
  std::string text() {
    static const char alphabet[] = "abcXYZ019 -_/é\"\\";
    std::string s;
    const auto n = rng_() % 12;
    for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[rng_() % (sizeof alphabet - 1)]);
    return s;
  }

  void fill_field(capnp::DynamicStruct::Builder b, capnp::StructSchema::Field f, int depth) {
    if (f.getProto().isGroup()) {
      fill(b.init(f).as<capnp::DynamicStruct>(), depth + 1);
      return;
    }
    auto t = f.getType();
    switch (t.which()) {
      case capnp::schema::Type::VOID:
        b.set(f, capnp::VOID);
        return;
      case capnp::schema::Type::BOOL:
        b.set(f, rng_() % 2 == 0);
        return;
      case capnp::schema::Type::INT64:
        b.set(f, static_cast<std::int64_t>(rng_()));
        return;
      case capnp::schema::Type::UINT64:
        b.set(f, static_cast<std::uint64_t>(rng_()));
        return;
      case capnp::schema::Type::INT32:
        b.set(f, static_cast<std::int32_t>(rng_()));
        return;
      case capnp::schema::Type::UINT32:
        b.set(f, static_cast<std::uint32_t>(rng_()));
        return;
      case capnp::schema::Type::UINT16:
        b.set(f, static_cast<std::uint16_t>(rng_()));
        return;
      case capnp::schema::Type::TEXT:
        b.set(f, capnp::Text::Reader(text().c_str()));
        return;
      case capnp::schema::Type::ENUM: {
        auto es = t.asEnum().getEnumerants();
        b.set(f, capnp::DynamicEnum(es[static_cast<unsigned>(rng_() % es.size())]));
        return;
      }
      case capnp::schema::Type::STRUCT:
        if (depth < 4) fill(b.init(f).as<capnp::DynamicStruct>(), depth + 1);
        return;
      case capnp::schema::Type::LIST: {
        const auto n = static_cast<unsigned>(rng_() % 4);
        auto l = b.init(f, n).as<capnp::DynamicList>();
        auto e = t.asList().getElementType();
        for (unsigned i = 0; i < n; ++i) {
          if (e.isText())
            l.set(i, capnp::Text::Reader(text().c_str()));
          else if (e.isStruct())
            fill(l[i].as<capnp::DynamicStruct>(), depth + 1);
          else
            FAIL("list element type not covered by the test");
        }
        return;
      }
      default:
        FAIL("field type not covered by the test: " << f.getProto().getName().cStr());
    }
  }

  std::mt19937_64 rng_;
};

std::string flat(capnp::MessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

/// Reads `original` into the generated value V and writes it back; the messages must be equal.
template <class Schema, class V>
V round_trip(typename Schema::Reader original) {
  V value{};
  codec::read_context ctx;
  codec::read(original, value, ctx);
  REQUIRE_MESSAGE(ctx.ok(), ctx.error);
  capnp::MallocMessageBuilder again;
  codec::write(value, again.initRoot<Schema>());
  CHECK(capnp::AnyStruct::Reader(again.getRoot<Schema>().asReader())
            .equals(capnp::AnyStruct::Reader(original)) == capnp::Equality::EQUAL);
  return value;
}

/// Every member of a catalogue union, `rounds` random fillings each.
template <class Schema, class Fn>
void for_each_member(int rounds, Fn&& check) {
  auto schema = capnp::Schema::from<Schema>();
  filler f(42);
  for (auto member : schema.getUnionFields()) {
    if (!member.getType().isStruct()) continue;  // none
    for (int i = 0; i < rounds; ++i) {
      capnp::MallocMessageBuilder m;
      auto root = m.initRoot<capnp::DynamicStruct>(schema);
      f.fill_member(root, member.getProto().getName());
      check(member, m);
    }
  }
}

}  // namespace

TEST_CASE("every event reads into its generated type and writes back the same message") {
  int members = 0;
  for_each_member<schema::Event>(20, [&](capnp::StructSchema::Field member, capnp::MallocMessageBuilder& m) {
    CAPTURE(member.getProto().getName().cStr());
    auto any = round_trip<schema::Event, domain::any_event>(m.getRoot<schema::Event>().asReader());
    // The stored form: the member's struct as the root of its own message.
    auto data = codec::to_event_data(any, "cause");
    CHECK(data.schema_id == member.getType().asStruct().getProto().getId());
    CHECK(data.type == std::string(member.getType().asStruct().getShortDisplayName().cStr()));
    CHECK(data.causation_id == "cause");
    auto back = codec::decode_payload(data.schema_id, data.payload);
    REQUIRE(back.has_value());
    CHECK(*back == any);
    ++members;
  });
  CHECK(members == 20 * 48);  // every Event member but none
}

TEST_CASE("every command crosses a process boundary as bytes and comes back equal") {
  int members = 0;
  for_each_member<schema::Command>(20, [&](capnp::StructSchema::Field member,
                                           capnp::MallocMessageBuilder& m) {
    CAPTURE(member.getProto().getName().cStr());
    auto command = round_trip<schema::Command, domain::any_command>(m.getRoot<schema::Command>().asReader());
    auto bytes = codec::encode_command(command);
    auto back = codec::decode_command(bytes);
    REQUIRE(back.has_value());
    CHECK(*back == command);
    ++members;
  });
  CHECK(members == 20 * 44);
}

TEST_CASE("every snapshot state round-trips") {
  filler f(7);
  auto state_group = capnp::Schema::from<schema::Snapshot>().getFieldByName("state").getType().asStruct();
  for (auto member : state_group.getUnionFields()) {
    if (!member.getType().isStruct()) continue;
    CAPTURE(member.getProto().getName().cStr());
    for (int i = 0; i < 20; ++i) {
      capnp::MallocMessageBuilder m;
      auto root = m.initRoot<capnp::DynamicStruct>(capnp::Schema::from<schema::Snapshot>());
      root.set("streamId", "cart/c-1");
      root.set("version", static_cast<std::uint64_t>(i + 1));
      f.fill_member(root.get("state").as<capnp::DynamicStruct>(), member.getProto().getName());
      auto snap = round_trip<schema::Snapshot, domain::snapshot>(m.getRoot<schema::Snapshot>().asReader());
      auto back = codec::decode_snapshot(codec::encode_snapshot(snap));
      REQUIRE(back.has_value());
      CHECK(*back == snap);
    }
  }
}

TEST_CASE("an entity's own variant writes and reads only its own events") {
  domain::cart_event added = domain::cart_item_added{
      domain::cart_id{"cart-u"}, domain::user_id{"u"}, domain::product_id{"p"}, "P", 2, {}, 2};
  capnp::MallocMessageBuilder m;
  codec::write(added, m.initRoot<schema::Event>());
  domain::cart_event back{};
  codec::read_context ok;
  codec::read(m.getRoot<schema::Event>().asReader(), back, ok);
  CHECK(ok.ok());
  CHECK(back == added);

  domain::product_event wrong{};
  codec::read_context refused;
  codec::read(m.getRoot<schema::Event>().asReader(), wrong, refused);
  CHECK_FALSE(refused.ok());
  CHECK(refused.error == "CartItemAdded is not a product event");
}

TEST_CASE("the first stored form (event union in the envelope) and today's form decode alike") {
  const domain::any_event event = domain::order_shipped{domain::order_id{"ord-1"}, "TRK", "DHL"};
  auto make = [&](bool legacy) {
    capnp::MallocMessageBuilder m;
    auto env = m.initRoot<schema::Envelope>();
    env.setStreamId("order/ord-1");
    env.setVersion(3);
    env.setEventType("OrderShipped");
    if (legacy) {
      codec::write(event, env.initLegacyEvent().initAs<schema::Event>());
    } else {
      auto data = codec::to_event_data(event);
      env.setPayload(codec::data(data.payload));
      env.setSchemaId(data.schema_id);
    }
    es::recorded_event r;
    r.type = "OrderShipped";
    r.envelope = es::envelope_bytes(flat(m));
    return r;
  };
  auto legacy = codec::decode_event(make(true));
  auto today = codec::decode_event(make(false));
  REQUIRE(legacy.has_value());
  REQUIRE(today.has_value());
  CHECK(*legacy == event);
  CHECK(*today == event);
}

TEST_CASE("bytes from a newer version are errors or generic values, never crashes") {
  SUBCASE("an event type this build does not know") {
    capnp::MallocMessageBuilder m;
    m.initRoot<schema::OrderConfirmed>().setOrderId("o");
    auto d = codec::decode_payload(0x1234567890abcdefull, flat(m));
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().message.find("unknown event type") != std::string::npos);
  }
  SUBCASE("an unknown enumerant without a generic meaning") {
    capnp::MallocMessageBuilder m;
    auto n = m.initRoot<schema::NotificationEmitted>();
    n.setKind(static_cast<schema::NotificationKind>(99));
    auto d = codec::decode_payload(domain::notification_emitted::schema_id, flat(m));
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().message.find("unknown enumerant 99") != std::string::npos);
  }
  SUBCASE("an unknown enumerant with $unknownAs reads as that one") {
    capnp::MallocMessageBuilder m;
    auto r = m.initRoot<schema::UserRoleChanged>();
    r.setRole(static_cast<schema::Role>(7));
    auto d = codec::decode_payload(domain::user_role_changed::schema_id, flat(m));
    REQUIRE(d.has_value());
    CHECK(std::get<domain::user_role_changed>(*d).role == domain::role::customer);
  }
  SUBCASE("an invalid currency") {
    capnp::MallocMessageBuilder m;
    auto r = m.initRoot<schema::OrderRefunded>();
    r.initAmount().setCurrency("EURO");
    auto d = codec::decode_payload(domain::order_refunded::schema_id, flat(m));
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().message.find("invalid currency") != std::string::npos);
  }
  SUBCASE("garbage") {
    std::string junk(64, '\xff');
    CHECK_FALSE(codec::decode_payload(domain::order_confirmed::schema_id, junk).has_value());
    CHECK_FALSE(codec::decode_payload(domain::order_confirmed::schema_id, "abc").has_value());
    CHECK_FALSE(codec::decode_command(junk).has_value());
    CHECK_FALSE(codec::decode_snapshot(junk).has_value());
  }
  SUBCASE("a union member this build does not know") {
    capnp::MallocMessageBuilder m;
    auto env = m.initRoot<schema::Envelope>();
    // An Event whose discriminant is past the last known member.
    auto u = env.initLegacyEvent().initAs<schema::Event>();
    capnp::AnyStruct::Builder any(kj::mv(u));
    auto data = any.getDataSection();
    REQUIRE(data.size() >= 2);
    data[0] = 200;
    es::recorded_event r;
    r.envelope = es::envelope_bytes(flat(m));
    auto d = codec::decode_event(r);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().message.find("unknown Event member 200") != std::string::npos);
  }
}

TEST_CASE("personal fields are marked where the codec can act on them") {
  using domain::user_registered;
  CHECK(std::find(user_registered::personal_fields.begin(), user_registered::personal_fields.end(),
                  "email") != user_registered::personal_fields.end());
  CHECK(std::find(user_registered::personal_fields.begin(), user_registered::personal_fields.end(),
                  "display_name") != user_registered::personal_fields.end());
}
