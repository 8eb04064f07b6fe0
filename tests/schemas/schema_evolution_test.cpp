// A log written with an older envelope (before nodeId was added) still reads with the
// current schema, through the same decoder the event store uses.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <capnp/serialize.h>

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
  REQUIRE(first.event().which() == schema::Event::CART_ITEM_ADDED);
  auto added = first.event().getCartItemAdded();
  CHECK(std::string(added.getProductId().cStr()) == "prod-001");
  CHECK(added.getQuantity() == 2);
  CHECK(added.getUnitPrice().getMinorUnits() == 1299);
  CHECK(std::string(added.getUnitPrice().getCurrency().cStr()) == "EUR");

  es::envelope_reader second(envelopes[1]);
  CHECK(second.envelope().getVersion() == 4);
  CHECK(std::string(second.envelope().getCausationId().cStr()) == "checkout-9");
  REQUIRE(second.event().which() == schema::Event::ORDER_CONFIRMED);
  CHECK(std::string(second.event().getOrderConfirmed().getOrderId().cStr()) == "order-9");
}
