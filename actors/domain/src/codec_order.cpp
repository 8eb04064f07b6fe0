// Orders ↔ schema.
#include "codec_detail.hpp"

namespace mercato::domain::codec_detail {

void put_event(const order_placed& e, schema::Event::Builder out) {
  auto b = out.initOrderPlaced();
  b.setOrderId(text(e.id.value()));
  b.setUserId(text(e.user.value()));
  b.setCartId(text(e.cart.value()));
  b.setCheckoutId(text(e.checkout.value()));
  put_lines(e.lines, b.initLines(count(e.lines.size())));
  put_money(e.total, b.initTotal());
}

order_placed from(schema::OrderPlaced::Reader in) {
  return {id_of<order_id>(in.getOrderId()), id_of<user_id>(in.getUserId()),
          id_of<cart_id>(in.getCartId()),   id_of<checkout_id>(in.getCheckoutId()),
          get_lines(in.getLines()),         get_money(in.getTotal())};
}

void put_event(const order_stock_reserved& e, schema::Event::Builder out) {
  out.initOrderStockReserved().setOrderId(text(e.id.value()));
}

order_stock_reserved from(schema::OrderStockReserved::Reader in) {
  return {id_of<order_id>(in.getOrderId())};
}

void put_event(const order_payment_authorized& e, schema::Event::Builder out) {
  auto b = out.initOrderPaymentAuthorized();
  b.setOrderId(text(e.id.value()));
  b.setPaymentId(text(e.payment.value()));
}

order_payment_authorized from(schema::OrderPaymentAuthorized::Reader in) {
  return {id_of<order_id>(in.getOrderId()), id_of<payment_id>(in.getPaymentId())};
}

void put_event(const order_confirmed& e, schema::Event::Builder out) {
  out.initOrderConfirmed().setOrderId(text(e.id.value()));
}

order_confirmed from(schema::OrderConfirmed::Reader in) {
  return {id_of<order_id>(in.getOrderId())};
}

void put_event(const order_shipped& e, schema::Event::Builder out) {
  auto b = out.initOrderShipped();
  b.setOrderId(text(e.id.value()));
  b.setTracking(text(e.tracking));
  b.setCarrier(text(e.carrier));
}

order_shipped from(schema::OrderShipped::Reader in) {
  return {id_of<order_id>(in.getOrderId()), str(in.getTracking()), str(in.getCarrier())};
}

void put_event(const order_delivered& e, schema::Event::Builder out) {
  out.initOrderDelivered().setOrderId(text(e.id.value()));
}

order_delivered from(schema::OrderDelivered::Reader in) {
  return {id_of<order_id>(in.getOrderId())};
}

void put_event(const order_cancelled& e, schema::Event::Builder out) {
  auto b = out.initOrderCancelled();
  b.setOrderId(text(e.id.value()));
  b.setReason(to_wire(e.reason));
  b.setDetail(text(e.detail));
  b.setCancelledBy(text(e.cancelled_by.value()));
}

order_cancelled from(schema::OrderCancelled::Reader in) {
  return {id_of<order_id>(in.getOrderId()), from_wire(in.getReason()), str(in.getDetail()),
          id_of<user_id>(in.getCancelledBy())};
}

void put_event(const order_refunded& e, schema::Event::Builder out) {
  auto b = out.initOrderRefunded();
  b.setOrderId(text(e.id.value()));
  put_money(e.amount, b.initAmount());
  b.setReason(text(e.reason));
  b.setPaymentId(text(e.payment.value()));
  b.setRefundId(text(e.refund.value()));
}

order_refunded from(schema::OrderRefunded::Reader in) {
  return {id_of<order_id>(in.getOrderId()), get_money(in.getAmount()), str(in.getReason()),
          id_of<payment_id>(in.getPaymentId()), id_of<refund_id>(in.getRefundId())};
}

void put_state(const order_state& s, schema::OrderState::Builder out) {
  out.setOrderId(text(s.id.value()));
  out.setUserId(text(s.user.value()));
  out.setCartId(text(s.cart.value()));
  out.setCheckoutId(text(s.checkout.value()));
  put_lines(s.lines, out.initLines(count(s.lines.size())));
  put_money(s.total, out.initTotal());
  out.setStatus(to_wire(s.status));
  out.setPaymentId(text(s.payment.value()));
  out.setTracking(text(s.tracking));
  out.setCarrier(text(s.carrier));
  out.setCancelReason(to_wire(s.cancellation));
  out.setCancelDetail(text(s.cancel_detail));
  put_money(s.refunded, out.initRefunded());
  out.setPlacedAtNs(s.placed_at_ns);
  out.setUpdatedAtNs(s.updated_at_ns);
}

order_state from(schema::OrderState::Reader in) {
  order_state s;
  s.id = id_of<order_id>(in.getOrderId());
  s.user = id_of<user_id>(in.getUserId());
  s.cart = id_of<cart_id>(in.getCartId());
  s.checkout = id_of<checkout_id>(in.getCheckoutId());
  s.lines = get_lines(in.getLines());
  s.total = get_money(in.getTotal());
  s.status = from_wire(in.getStatus());
  s.payment = id_of<payment_id>(in.getPaymentId());
  s.tracking = str(in.getTracking());
  s.carrier = str(in.getCarrier());
  s.cancellation = from_wire(in.getCancelReason());
  s.cancel_detail = str(in.getCancelDetail());
  s.refunded = get_money(in.getRefunded());
  s.placed_at_ns = in.getPlacedAtNs();
  s.updated_at_ns = in.getUpdatedAtNs();
  return s;
}

}  // namespace mercato::domain::codec_detail
