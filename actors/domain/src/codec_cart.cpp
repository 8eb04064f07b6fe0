// Carts ↔ schema.
#include "codec_detail.hpp"

namespace mercato::domain::codec_detail {

void put_event(const cart_item_added& e, schema::Event::Builder out) {
  auto b = out.initCartItemAdded();
  b.setCartId(text(e.cart.value()));
  b.setUserId(text(e.user.value()));
  b.setProductId(text(e.product.value()));
  b.setProductName(text(e.product_name));
  b.setQuantity(e.qty.value());
  put_money(e.unit_price, b.initUnitPrice());
  b.setLineQuantity(e.line_quantity.value());
}

cart_item_added from(schema::CartItemAdded::Reader in) {
  return {id_of<cart_id>(in.getCartId()),       id_of<user_id>(in.getUserId()),
          id_of<product_id>(in.getProductId()), str(in.getProductName()),
          quantity{in.getQuantity()},           get_money(in.getUnitPrice()),
          quantity{in.getLineQuantity()}};
}

void put_event(const cart_item_quantity_changed& e, schema::Event::Builder out) {
  auto b = out.initCartItemQuantityChanged();
  b.setCartId(text(e.cart.value()));
  b.setProductId(text(e.product.value()));
  b.setQuantity(e.qty.value());
  b.setPreviousQuantity(e.previous_qty.value());
}

cart_item_quantity_changed from(schema::CartItemQuantityChanged::Reader in) {
  return {id_of<cart_id>(in.getCartId()), id_of<product_id>(in.getProductId()), quantity{in.getQuantity()},
          quantity{in.getPreviousQuantity()}};
}

void put_event(const cart_item_removed& e, schema::Event::Builder out) {
  auto b = out.initCartItemRemoved();
  b.setCartId(text(e.cart.value()));
  b.setProductId(text(e.product.value()));
}

cart_item_removed from(schema::CartItemRemoved::Reader in) {
  return {id_of<cart_id>(in.getCartId()), id_of<product_id>(in.getProductId())};
}

void put_event(const cart_cleared& e, schema::Event::Builder out) {
  out.initCartCleared().setCartId(text(e.cart.value()));
}

cart_cleared from(schema::CartCleared::Reader in) {
  return {id_of<cart_id>(in.getCartId())};
}

void put_event(const cart_checked_out& e, schema::Event::Builder out) {
  auto b = out.initCartCheckedOut();
  b.setCartId(text(e.cart.value()));
  b.setOrderId(text(e.order.value()));
  b.setCheckoutId(text(e.checkout.value()));
}

cart_checked_out from(schema::CartCheckedOut::Reader in) {
  return {id_of<cart_id>(in.getCartId()), id_of<order_id>(in.getOrderId()),
          id_of<checkout_id>(in.getCheckoutId())};
}

void put_state(const cart_state& s, schema::CartState::Builder out) {
  out.setCartId(text(s.id.value()));
  out.setUserId(text(s.user.value()));
  out.setStatus(to_wire(s.status));
  auto lines = out.initLines(count(s.lines.size()));
  for (unsigned i = 0; i < lines.size(); ++i) {
    const auto& l = s.lines[i];
    lines[i].setProductId(text(l.product.value()));
    lines[i].setProductName(text(l.name));
    lines[i].setQuantity(l.qty.value());
    put_money(l.unit_price, lines[i].initUnitPrice());
  }
  out.setLastCheckoutId(text(s.last_checkout.value()));
  out.setLastOrderId(text(s.last_order.value()));
}

cart_state from(schema::CartState::Reader in) {
  cart_state s{id_of<cart_id>(in.getCartId()),
               id_of<user_id>(in.getUserId()),
               from_wire(in.getStatus()),
               {},
               id_of<checkout_id>(in.getLastCheckoutId()),
               id_of<order_id>(in.getLastOrderId())};
  for (auto l : in.getLines())
    s.lines.push_back({id_of<product_id>(l.getProductId()), str(l.getProductName()),
                       quantity{l.getQuantity()}, get_money(l.getUnitPrice())});
  return s;
}

}  // namespace mercato::domain::codec_detail
