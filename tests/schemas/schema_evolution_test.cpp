// A log written with an older envelope (before nodeId was added, and with the event union
// embedded in it) still reads with the current schema, through the same decoders the event
// store and the codec use.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <capnp/serialize.h>

#include <mercato/codec/codec.hpp>
#include <mercato/eventstore/envelope.hpp>

using namespace mercato;

namespace {
std::vector<es::envelope_bytes> read_fixture() {
  const int fd = ::open(FIXTURE_DIR "/envelopes_v1.bin", O_RDONLY);
  REQUIRE(fd >= 0);
  std::vector<es::envelope_bytes> out;
  for (;;) {
    capnp::MallocMessageBuilder copy;
    try {
      capnp::StreamFdMessageReader reader(fd);
      copy.setRoot(reader.getRoot<schema::Envelope>());
    } catch (const kj::Exception&) {
      break;  // end of the stream
    }
    auto flat = capnp::messageToFlatArray(copy);
    auto bytes = flat.asBytes();
    out.emplace_back(std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
  }
  ::close(fd);
  return out;
}
}  // namespace

TEST_CASE("envelopes written before nodeId existed read with the current schema") {
  auto envelopes = read_fixture();
  REQUIRE(envelopes.size() == 2);

  es::envelope_reader first(envelopes[0]);
  auto e = first.envelope();
  CHECK(std::string(e.getStreamId().cStr()) == "cart-user-1");
  CHECK(e.getVersion() == 1);
  CHECK(e.getShard() == 3);
  CHECK(e.getSequence() == 1);
  CHECK(e.getGlobalPosition() == 1);
  CHECK(std::string(e.getEventType().cStr()) == "CartItemAdded");
  CHECK(e.getTimestampNs() == 1700000000000000000);
  CHECK(std::string(e.getCorrelationId().cStr()) == "req-1");
  CHECK(std::string(e.getIdempotencyKey().cStr()) == "k1");
  CHECK_FALSE(e.hasNodeId());  // the added field reads as its default
  CHECK(std::string(e.getNodeId().cStr()).empty());
  CHECK(first.has_legacy_event());  // the first form: no opaque payload
  CHECK(first.payload().empty());
  es::recorded_event r1;
  r1.envelope = es::envelope_bytes(envelopes[0].bytes());
  auto event1 = codec::decode_event(r1);
  REQUIRE(event1.has_value());
  REQUIRE(std::holds_alternative<domain::cart_item_added>(*event1));
  const auto& added = std::get<domain::cart_item_added>(*event1);
  CHECK(added.product_id.value() == "prod-001");
  CHECK(added.quantity == 2);
  CHECK(added.unit_price.minor_units == 1299);
  CHECK(added.unit_price.currency.code() == "EUR");

  es::envelope_reader second(envelopes[1]);
  CHECK(second.envelope().getVersion() == 4);
  CHECK(std::string(second.envelope().getCausationId().cStr()) == "checkout-9");
  es::recorded_event r2;
  r2.envelope = es::envelope_bytes(envelopes[1].bytes());
  auto event2 = codec::decode_event(r2);
  REQUIRE(event2.has_value());
  REQUIRE(std::holds_alternative<domain::order_confirmed>(*event2));
  CHECK(std::get<domain::order_confirmed>(*event2).order_id.value() == "order-9");
}
