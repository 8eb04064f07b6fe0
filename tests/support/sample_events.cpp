#include "sample_events.hpp"

#include <stdexcept>

#include <mercato/eventstore/envelope.hpp>

namespace mercato::test {

es::event_data sample_event(const std::string& marker, std::size_t bytes) {
  capnp::MallocMessageBuilder msg(64);
  auto added = msg.initRoot<schema::Event>().initCartItemAdded();
  added.setCartId("cart-sample");
  added.setProductId(marker);
  const std::size_t fixed = 112 + marker.size();
  added.setProductName(std::string(bytes > fixed ? bytes - fixed : 1, 'x'));
  added.setQuantity(1);
  added.setLineQuantity(1);
  auto price = added.initUnitPrice();
  price.setMinorUnits(1999);
  price.setCurrency("EUR");
  return {"CartItemAdded", es::encode_event(msg), {}};
}

std::string marker_of(const es::recorded_event& e) {
  es::envelope_reader r(e);
  auto ev = r.event();
  if (ev.which() != schema::Event::CART_ITEM_ADDED) throw std::runtime_error("not a sample event");
  return ev.getCartItemAdded().getProductId().cStr();
}

es::stream_id sid(const std::string& s) {
  auto r = es::stream_id::make(s);
  if (!r) throw std::runtime_error(r.error());
  return *r;
}

}  // namespace mercato::test
