// The checkout process manager ↔ schema.
#include "codec_detail.hpp"

namespace mercato::domain::codec_detail {

void put_event(const checkout_started& e, schema::Event::Builder out) {
  auto b = out.initCheckoutStarted();
  b.setCheckoutId(text(e.id.value()));
  b.setUserId(text(e.user.value()));
  b.setCartId(text(e.cart.value()));
  b.setOrderId(text(e.order.value()));
  b.setPaymentId(text(e.payment.value()));
  put_lines(e.lines, b.initLines(count(e.lines.size())));
  put_money(e.total, b.initTotal());
  b.setPaymentToken(text(e.payment_token));
}

checkout_started from(schema::CheckoutStarted::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()),
          id_of<user_id>(in.getUserId()),
          id_of<cart_id>(in.getCartId()),
          id_of<order_id>(in.getOrderId()),
          id_of<payment_id>(in.getPaymentId()),
          get_lines(in.getLines()),
          get_money(in.getTotal()),
          str(in.getPaymentToken())};
}

void put_event(const checkout_order_placed& e, schema::Event::Builder out) {
  auto b = out.initCheckoutOrderPlaced();
  b.setCheckoutId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
}

checkout_order_placed from(schema::CheckoutOrderPlaced::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<order_id>(in.getOrderId())};
}

void put_event(const checkout_stock_reserved& e, schema::Event::Builder out) {
  auto b = out.initCheckoutStockReserved();
  b.setCheckoutId(text(e.id.value()));
  b.setProductId(text(e.product.value()));
  b.setQuantity(e.qty.value());
}

checkout_stock_reserved from(schema::CheckoutStockReserved::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<product_id>(in.getProductId()),
          quantity{in.getQuantity()}};
}

void put_event(const checkout_stock_reservation_failed& e, schema::Event::Builder out) {
  auto b = out.initCheckoutStockReservationFailed();
  b.setCheckoutId(text(e.id.value()));
  b.setProductId(text(e.product.value()));
  b.setReason(to_schema(e.reason));
  b.setDetail(text(e.detail));
}

checkout_stock_reservation_failed from(schema::CheckoutStockReservationFailed::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<product_id>(in.getProductId()),
          from_schema(in.getReason()), str(in.getDetail())};
}

void put_event(const checkout_order_stock_reserved& e, schema::Event::Builder out) {
  auto b = out.initCheckoutOrderStockReserved();
  b.setCheckoutId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
}

checkout_order_stock_reserved from(schema::CheckoutOrderStockReserved::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<order_id>(in.getOrderId())};
}

void put_event(const checkout_payment_authorized& e, schema::Event::Builder out) {
  auto b = out.initCheckoutPaymentAuthorized();
  b.setCheckoutId(text(e.id.value()));
  b.setPaymentId(text(e.payment.value()));
}

checkout_payment_authorized from(schema::CheckoutPaymentAuthorized::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<payment_id>(in.getPaymentId())};
}

void put_event(const checkout_payment_failed& e, schema::Event::Builder out) {
  auto b = out.initCheckoutPaymentFailed();
  b.setCheckoutId(text(e.id.value()));
  b.setPaymentId(text(e.payment.value()));
  b.setReason(to_wire(e.reason));
  b.setDetail(text(e.detail));
}

checkout_payment_failed from(schema::CheckoutPaymentFailed::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<payment_id>(in.getPaymentId()),
          from_wire(in.getReason()), str(in.getDetail())};
}

void put_event(const checkout_order_payment_authorized& e, schema::Event::Builder out) {
  auto b = out.initCheckoutOrderPaymentAuthorized();
  b.setCheckoutId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setPaymentId(text(e.payment.value()));
}

checkout_order_payment_authorized from(schema::CheckoutOrderPaymentAuthorized::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<order_id>(in.getOrderId()),
          id_of<payment_id>(in.getPaymentId())};
}

void put_event(const checkout_order_confirmed& e, schema::Event::Builder out) {
  auto b = out.initCheckoutOrderConfirmed();
  b.setCheckoutId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
}

checkout_order_confirmed from(schema::CheckoutOrderConfirmed::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<order_id>(in.getOrderId())};
}

void put_event(const checkout_cart_checked_out& e, schema::Event::Builder out) {
  auto b = out.initCheckoutCartCheckedOut();
  b.setCheckoutId(text(e.id.value()));
  b.setCartId(text(e.cart.value()));
}

checkout_cart_checked_out from(schema::CheckoutCartCheckedOut::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<cart_id>(in.getCartId())};
}

void put_event(const checkout_compensation_started& e, schema::Event::Builder out) {
  auto b = out.initCheckoutCompensationStarted();
  b.setCheckoutId(text(e.id.value()));
  b.setReason(to_wire(e.reason));
  b.setDetail(text(e.detail));
}

checkout_compensation_started from(schema::CheckoutCompensationStarted::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), from_wire(in.getReason()), str(in.getDetail())};
}

void put_event(const checkout_stock_released& e, schema::Event::Builder out) {
  auto b = out.initCheckoutStockReleased();
  b.setCheckoutId(text(e.id.value()));
  b.setProductId(text(e.product.value()));
  b.setQuantity(e.qty.value());
}

checkout_stock_released from(schema::CheckoutStockReleased::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<product_id>(in.getProductId()),
          quantity{in.getQuantity()}};
}

void put_event(const checkout_payment_voided& e, schema::Event::Builder out) {
  auto b = out.initCheckoutPaymentVoided();
  b.setCheckoutId(text(e.id.value()));
  b.setPaymentId(text(e.payment.value()));
}

checkout_payment_voided from(schema::CheckoutPaymentVoided::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<payment_id>(in.getPaymentId())};
}

void put_event(const checkout_order_cancelled& e, schema::Event::Builder out) {
  auto b = out.initCheckoutOrderCancelled();
  b.setCheckoutId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setReason(to_wire(e.reason));
}

checkout_order_cancelled from(schema::CheckoutOrderCancelled::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), id_of<order_id>(in.getOrderId()),
          from_wire(in.getReason())};
}

void put_event(const checkout_completed& e, schema::Event::Builder out) {
  auto b = out.initCheckoutCompleted();
  b.setCheckoutId(text(e.id.value()));
  b.setOutcome(to_wire(e.outcome));
}

checkout_completed from(schema::CheckoutCompleted::Reader in) {
  return {id_of<checkout_id>(in.getCheckoutId()), from_wire(in.getOutcome())};
}

void put_state(const checkout_state& s, schema::CheckoutState::Builder out) {
  out.setCheckoutId(text(s.id.value()));
  out.setUserId(text(s.user.value()));
  out.setCartId(text(s.cart.value()));
  out.setOrderId(text(s.order.value()));
  out.setPaymentId(text(s.payment.value()));
  out.setPaymentToken(text(s.payment_token));
  put_lines(s.lines, out.initLines(count(s.lines.size())));
  put_money(s.total, out.initTotal());
  out.setStep(to_wire(s.step));
  auto progress = out.initLineProgress(count(s.progress.size()));
  for (unsigned i = 0; i < progress.size(); ++i) {
    const auto& p = s.progress[i];
    progress[i].setProductId(text(p.product.value()));
    progress[i].setQuantity(p.qty.value());
    progress[i].setState(to_wire(p.state));
    progress[i].setFailureReason(to_schema(p.failure));
  }
  out.setPaymentAuthorized(s.payment_authorized);
  out.setPaymentVoided(s.payment_voided);
  out.setOrderConfirmed(s.order_confirmed);
  out.setOrderCancelled(s.order_cancelled);
  out.setCompensationReason(to_wire(s.compensation_reason));
  out.setCompensationDetail(text(s.compensation_detail));
  out.setOutcome(to_wire(s.outcome));
  out.setStartedAtNs(s.started_at_ns);
  out.setOrderPlaced(s.order_placed);
  out.setOrderStockReserved(s.order_stock_reserved);
  out.setOrderPaymentAuthorized(s.order_payment_authorized);
  out.setCartCheckedOut(s.cart_checked_out);
}

checkout_state from(schema::CheckoutState::Reader in) {
  checkout_state s;
  s.id = id_of<checkout_id>(in.getCheckoutId());
  s.user = id_of<user_id>(in.getUserId());
  s.cart = id_of<cart_id>(in.getCartId());
  s.order = id_of<order_id>(in.getOrderId());
  s.payment = id_of<payment_id>(in.getPaymentId());
  s.payment_token = str(in.getPaymentToken());
  s.lines = get_lines(in.getLines());
  s.total = get_money(in.getTotal());
  s.step = from_wire(in.getStep());
  for (auto p : in.getLineProgress())
    s.progress.push_back({id_of<product_id>(p.getProductId()), quantity{p.getQuantity()},
                          from_wire(p.getState()), from_schema(p.getFailureReason())});
  s.payment_authorized = in.getPaymentAuthorized();
  s.payment_voided = in.getPaymentVoided();
  s.order_confirmed = in.getOrderConfirmed();
  s.order_cancelled = in.getOrderCancelled();
  s.compensation_reason = from_wire(in.getCompensationReason());
  s.compensation_detail = str(in.getCompensationDetail());
  s.outcome = from_wire(in.getOutcome());
  s.started_at_ns = in.getStartedAtNs();
  s.order_placed = in.getOrderPlaced();
  s.order_stock_reserved = in.getOrderStockReserved();
  s.order_payment_authorized = in.getOrderPaymentAuthorized();
  s.cart_checked_out = in.getCartCheckedOut();
  return s;
}

}  // namespace mercato::domain::codec_detail
