#include "sample_events.hpp"

#include <stdexcept>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <mercato/schema/events.capnp.h>
#include <mercato/eventstore/envelope.hpp>

namespace mercato::test {

es::event_data sample_event(const std::string& marker, std::size_t bytes) {
  capnp::MallocMessageBuilder msg(64);
  auto added = msg.initRoot<schema::CartItemAdded>();
  added.setCartId("cart-sample");
  added.setProductId(marker);
  const std::size_t fixed = 96 + marker.size();
  added.setProductName(std::string(bytes > fixed ? bytes - fixed : 1, 'x'));
  added.setQuantity(1);
  added.setLineQuantity(1);
  auto price = added.initUnitPrice();
  price.setMinorUnits(1999);
  price.setCurrency("EUR");
  const auto words = capnp::messageToFlatArray(msg);
  const auto flat = words.asChars();
  return {
      "CartItemAdded", capnp::typeId<schema::CartItemAdded>(), std::string(flat.begin(), flat.size()), {}};
}

std::string marker_of(const es::recorded_event& e) {
  es::envelope_reader r(e);
  if (r.schema_id() != capnp::typeId<schema::CartItemAdded>()) throw std::runtime_error("not a sample event");
  const auto payload = r.payload();  // word-aligned inside the envelope
  capnp::FlatArrayMessageReader message(kj::ArrayPtr<const capnp::word>(
      reinterpret_cast<const capnp::word*>(payload.data()), payload.size() / sizeof(capnp::word)));
  return message.getRoot<schema::CartItemAdded>().getProductId().cStr();
}

es::stream_id sid(const std::string& s) {
  auto r = es::stream_id::make(s);
  if (!r) throw std::runtime_error(r.error());
  return *r;
}

}  // namespace mercato::test
