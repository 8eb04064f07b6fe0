// Payments and notifications ↔ schema.
#include "codec_detail.hpp"

namespace mercato::domain::codec_detail {

void put_event(const payment_authorization_requested& e, schema::Event::Builder out) {
  auto b = out.initPaymentAuthorizationRequested();
  b.setPaymentId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setUserId(text(e.user.value()));
  put_money(e.amount, b.initAmount());
  b.setProvider(text(e.provider));
  b.setCardBrand(text(e.card_brand));
  b.setTokenMasked(text(e.token_masked));
}

payment_authorization_requested from(schema::PaymentAuthorizationRequested::Reader in) {
  return {id_of<payment_id>(in.getPaymentId()),
          id_of<order_id>(in.getOrderId()),
          id_of<user_id>(in.getUserId()),
          get_money(in.getAmount()),
          str(in.getProvider()),
          str(in.getCardBrand()),
          str(in.getTokenMasked())};
}

void put_event(const payment_authorized& e, schema::Event::Builder out) {
  auto b = out.initPaymentAuthorized();
  b.setPaymentId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  put_money(e.amount, b.initAmount());
  b.setProviderReference(text(e.provider_reference));
}

payment_authorized from(schema::PaymentAuthorized::Reader in) {
  return {id_of<payment_id>(in.getPaymentId()), id_of<order_id>(in.getOrderId()), get_money(in.getAmount()),
          str(in.getProviderReference())};
}

void put_event(const payment_authorization_failed& e, schema::Event::Builder out) {
  auto b = out.initPaymentAuthorizationFailed();
  b.setPaymentId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setReason(to_wire(e.reason));
  b.setDetail(text(e.detail));
}

payment_authorization_failed from(schema::PaymentAuthorizationFailed::Reader in) {
  return {id_of<payment_id>(in.getPaymentId()), id_of<order_id>(in.getOrderId()), from_wire(in.getReason()),
          str(in.getDetail())};
}

void put_event(const payment_captured& e, schema::Event::Builder out) {
  auto b = out.initPaymentCaptured();
  b.setPaymentId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  put_money(e.amount, b.initAmount());
  b.setProviderReference(text(e.provider_reference));
}

payment_captured from(schema::PaymentCaptured::Reader in) {
  return {id_of<payment_id>(in.getPaymentId()), id_of<order_id>(in.getOrderId()), get_money(in.getAmount()),
          str(in.getProviderReference())};
}

void put_event(const payment_voided& e, schema::Event::Builder out) {
  auto b = out.initPaymentVoided();
  b.setPaymentId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setReason(text(e.reason));
}

payment_voided from(schema::PaymentVoided::Reader in) {
  return {id_of<payment_id>(in.getPaymentId()), id_of<order_id>(in.getOrderId()), str(in.getReason())};
}

void put_event(const payment_refunded& e, schema::Event::Builder out) {
  auto b = out.initPaymentRefunded();
  b.setPaymentId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  put_money(e.amount, b.initAmount());
  b.setRefundId(text(e.refund.value()));
  b.setProviderReference(text(e.provider_reference));
  b.setReason(text(e.reason));
}

payment_refunded from(schema::PaymentRefunded::Reader in) {
  return {id_of<payment_id>(in.getPaymentId()), id_of<order_id>(in.getOrderId()), get_money(in.getAmount()),
          id_of<refund_id>(in.getRefundId()),   str(in.getProviderReference()),   str(in.getReason())};
}

void put_event(const notification_emitted& e, schema::Event::Builder out) {
  auto b = out.initNotificationEmitted();
  b.setNotificationId(text(e.id.value()));
  b.setUserId(text(e.user.value()));
  b.setKind(to_wire(e.kind));
  b.setOrderId(text(e.order.value()));
  b.setSubject(text(e.subject));
  b.setBody(text(e.body));
}

notification_emitted from(schema::NotificationEmitted::Reader in) {
  return {id_of<notification_id>(in.getNotificationId()),
          id_of<user_id>(in.getUserId()),
          from_wire(in.getKind()),
          id_of<order_id>(in.getOrderId()),
          str(in.getSubject()),
          str(in.getBody())};
}

void put_state(const payment_state& s, schema::PaymentState::Builder out) {
  out.setPaymentId(text(s.id.value()));
  out.setOrderId(text(s.order.value()));
  out.setUserId(text(s.user.value()));
  out.setStatus(to_wire(s.status));
  put_money(s.amount, out.initAmount());
  put_money(s.authorized, out.initAuthorized());
  put_money(s.captured, out.initCaptured());
  put_money(s.refunded, out.initRefunded());
  out.setProvider(text(s.provider));
  out.setProviderReference(text(s.provider_reference));
  out.setCardBrand(text(s.card_brand));
  out.setTokenMasked(text(s.token_masked));
  out.setFailureReason(to_wire(s.failure));
  out.setFailureDetail(text(s.failure_detail));
  auto refunds = out.initRefunds(count(s.refunds.size()));
  for (unsigned i = 0; i < refunds.size(); ++i) {
    refunds[i].setRefundId(text(s.refunds[i].id.value()));
    put_money(s.refunds[i].amount, refunds[i].initAmount());
    refunds[i].setProviderReference(text(s.refunds[i].provider_reference));
  }
}

payment_state from(schema::PaymentState::Reader in) {
  payment_state s;
  s.id = id_of<payment_id>(in.getPaymentId());
  s.order = id_of<order_id>(in.getOrderId());
  s.user = id_of<user_id>(in.getUserId());
  s.status = from_wire(in.getStatus());
  s.amount = get_money(in.getAmount());
  s.authorized = get_money(in.getAuthorized());
  s.captured = get_money(in.getCaptured());
  s.refunded = get_money(in.getRefunded());
  s.provider = str(in.getProvider());
  s.provider_reference = str(in.getProviderReference());
  s.card_brand = str(in.getCardBrand());
  s.token_masked = str(in.getTokenMasked());
  s.failure = from_wire(in.getFailureReason());
  s.failure_detail = str(in.getFailureDetail());
  for (auto r : in.getRefunds())
    s.refunds.push_back(
        {id_of<refund_id>(r.getRefundId()), get_money(r.getAmount()), str(r.getProviderReference())});
  return s;
}

}  // namespace mercato::domain::codec_detail
