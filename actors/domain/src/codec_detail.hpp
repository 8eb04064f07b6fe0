#pragma once
// Private to the codec sources: the per-type encoders/decoders and shared helpers. Decoders
// throw decode_failure for content this build cannot represent (an invalid currency, an
// enumerant without a generic meaning); codec.cpp turns it, and any kj::Exception from a
// malformed message, into a codec_error. Nothing here escapes the library.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <mercato/domain/codec.hpp>

namespace mercato::domain::codec_detail {

struct decode_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- values ---------------------------------------------------------------------------

/// A Text reader over `s` (which must outlive it).
capnp::Text::Reader text(const std::string& s);
std::string str(capnp::Text::Reader r);
template <class Id>
Id id_of(capnp::Text::Reader r) {
  return Id{str(r)};
}
/// A list size as Cap'n Proto wants it; throws std::length_error past 2^29 elements.
unsigned count(std::size_t n);

void put_money(const money& m, schema::Money::Builder out);
money get_money(schema::Money::Reader in);

void put_lines(const std::vector<order_line>& lines, capnp::List<schema::OrderLine>::Builder out);
std::vector<order_line> get_lines(capnp::List<schema::OrderLine>::Reader in);

void put_strings(const std::vector<std::string>& v, capnp::List<capnp::Text>::Builder out);
std::vector<std::string> get_strings(capnp::List<capnp::Text>::Reader in);

// ---- enums (ordinal for ordinal; unknown values: see codec.hpp) -----------------------

schema::Role to_wire(role v) noexcept;
role from_wire(schema::Role v) noexcept;
schema::CancelReason to_wire(cancel_reason v) noexcept;
cancel_reason from_wire(schema::CancelReason v) noexcept;
schema::PaymentFailureReason to_wire(payment_failure_reason v) noexcept;
payment_failure_reason from_wire(schema::PaymentFailureReason v) noexcept;
schema::NotificationKind to_wire(notification_kind v) noexcept;
notification_kind from_wire(schema::NotificationKind v);
schema::CheckoutOutcome to_wire(checkout_outcome v) noexcept;
checkout_outcome from_wire(schema::CheckoutOutcome v);
schema::OrderStatus to_wire(order_status v) noexcept;
order_status from_wire(schema::OrderStatus v);
schema::PaymentStatus to_wire(payment_status v) noexcept;
payment_status from_wire(schema::PaymentStatus v);
schema::CartStatus to_wire(cart_status v) noexcept;
cart_status from_wire(schema::CartStatus v);
schema::CheckoutStep to_wire(checkout_step v) noexcept;
checkout_step from_wire(schema::CheckoutStep v);
schema::LineStockState to_wire(line_stock_state v) noexcept;
line_stock_state from_wire(schema::LineStockState v);

// ---- events (one pair per Event member) -----------------------------------------------

void put_event(const user_registered& e, schema::Event::Builder out);
void put_event(const user_password_changed& e, schema::Event::Builder out);
void put_event(const user_role_changed& e, schema::Event::Builder out);
void put_event(const email_claimed& e, schema::Event::Builder out);
void put_event(const email_released& e, schema::Event::Builder out);
void put_event(const product_created& e, schema::Event::Builder out);
void put_event(const product_updated& e, schema::Event::Builder out);
void put_event(const product_deactivated& e, schema::Event::Builder out);
void put_event(const product_reactivated& e, schema::Event::Builder out);
void put_event(const product_restocked& e, schema::Event::Builder out);
void put_event(const product_stock_reserved& e, schema::Event::Builder out);
void put_event(const product_reservation_released& e, schema::Event::Builder out);
void put_event(const product_reservation_committed& e, schema::Event::Builder out);
void put_event(const cart_item_added& e, schema::Event::Builder out);
void put_event(const cart_item_quantity_changed& e, schema::Event::Builder out);
void put_event(const cart_item_removed& e, schema::Event::Builder out);
void put_event(const cart_cleared& e, schema::Event::Builder out);
void put_event(const cart_checked_out& e, schema::Event::Builder out);
void put_event(const order_placed& e, schema::Event::Builder out);
void put_event(const order_stock_reserved& e, schema::Event::Builder out);
void put_event(const order_payment_authorized& e, schema::Event::Builder out);
void put_event(const order_confirmed& e, schema::Event::Builder out);
void put_event(const order_shipped& e, schema::Event::Builder out);
void put_event(const order_delivered& e, schema::Event::Builder out);
void put_event(const order_cancelled& e, schema::Event::Builder out);
void put_event(const order_refunded& e, schema::Event::Builder out);
void put_event(const payment_authorization_requested& e, schema::Event::Builder out);
void put_event(const payment_authorized& e, schema::Event::Builder out);
void put_event(const payment_authorization_failed& e, schema::Event::Builder out);
void put_event(const payment_captured& e, schema::Event::Builder out);
void put_event(const payment_voided& e, schema::Event::Builder out);
void put_event(const payment_refunded& e, schema::Event::Builder out);
void put_event(const notification_emitted& e, schema::Event::Builder out);
void put_event(const checkout_started& e, schema::Event::Builder out);
void put_event(const checkout_order_placed& e, schema::Event::Builder out);
void put_event(const checkout_stock_reserved& e, schema::Event::Builder out);
void put_event(const checkout_stock_reservation_failed& e, schema::Event::Builder out);
void put_event(const checkout_order_stock_reserved& e, schema::Event::Builder out);
void put_event(const checkout_payment_authorized& e, schema::Event::Builder out);
void put_event(const checkout_payment_failed& e, schema::Event::Builder out);
void put_event(const checkout_order_payment_authorized& e, schema::Event::Builder out);
void put_event(const checkout_order_confirmed& e, schema::Event::Builder out);
void put_event(const checkout_cart_checked_out& e, schema::Event::Builder out);
void put_event(const checkout_compensation_started& e, schema::Event::Builder out);
void put_event(const checkout_stock_released& e, schema::Event::Builder out);
void put_event(const checkout_payment_voided& e, schema::Event::Builder out);
void put_event(const checkout_order_cancelled& e, schema::Event::Builder out);
void put_event(const checkout_completed& e, schema::Event::Builder out);

user_registered from(schema::UserRegistered::Reader in);
user_password_changed from(schema::UserPasswordChanged::Reader in);
user_role_changed from(schema::UserRoleChanged::Reader in);
email_claimed from(schema::EmailClaimed::Reader in);
email_released from(schema::EmailReleased::Reader in);
product_created from(schema::ProductCreated::Reader in);
product_updated from(schema::ProductUpdated::Reader in);
product_deactivated from(schema::ProductDeactivated::Reader in);
product_reactivated from(schema::ProductReactivated::Reader in);
product_restocked from(schema::ProductRestocked::Reader in);
product_stock_reserved from(schema::ProductStockReserved::Reader in);
product_reservation_released from(schema::ProductReservationReleased::Reader in);
product_reservation_committed from(schema::ProductReservationCommitted::Reader in);
cart_item_added from(schema::CartItemAdded::Reader in);
cart_item_quantity_changed from(schema::CartItemQuantityChanged::Reader in);
cart_item_removed from(schema::CartItemRemoved::Reader in);
cart_cleared from(schema::CartCleared::Reader in);
cart_checked_out from(schema::CartCheckedOut::Reader in);
order_placed from(schema::OrderPlaced::Reader in);
order_stock_reserved from(schema::OrderStockReserved::Reader in);
order_payment_authorized from(schema::OrderPaymentAuthorized::Reader in);
order_confirmed from(schema::OrderConfirmed::Reader in);
order_shipped from(schema::OrderShipped::Reader in);
order_delivered from(schema::OrderDelivered::Reader in);
order_cancelled from(schema::OrderCancelled::Reader in);
order_refunded from(schema::OrderRefunded::Reader in);
payment_authorization_requested from(schema::PaymentAuthorizationRequested::Reader in);
payment_authorized from(schema::PaymentAuthorized::Reader in);
payment_authorization_failed from(schema::PaymentAuthorizationFailed::Reader in);
payment_captured from(schema::PaymentCaptured::Reader in);
payment_voided from(schema::PaymentVoided::Reader in);
payment_refunded from(schema::PaymentRefunded::Reader in);
notification_emitted from(schema::NotificationEmitted::Reader in);
checkout_started from(schema::CheckoutStarted::Reader in);
checkout_order_placed from(schema::CheckoutOrderPlaced::Reader in);
checkout_stock_reserved from(schema::CheckoutStockReserved::Reader in);
checkout_stock_reservation_failed from(schema::CheckoutStockReservationFailed::Reader in);
checkout_order_stock_reserved from(schema::CheckoutOrderStockReserved::Reader in);
checkout_payment_authorized from(schema::CheckoutPaymentAuthorized::Reader in);
checkout_payment_failed from(schema::CheckoutPaymentFailed::Reader in);
checkout_order_payment_authorized from(schema::CheckoutOrderPaymentAuthorized::Reader in);
checkout_order_confirmed from(schema::CheckoutOrderConfirmed::Reader in);
checkout_cart_checked_out from(schema::CheckoutCartCheckedOut::Reader in);
checkout_compensation_started from(schema::CheckoutCompensationStarted::Reader in);
checkout_stock_released from(schema::CheckoutStockReleased::Reader in);
checkout_payment_voided from(schema::CheckoutPaymentVoided::Reader in);
checkout_order_cancelled from(schema::CheckoutOrderCancelled::Reader in);
checkout_completed from(schema::CheckoutCompleted::Reader in);

// ---- states ---------------------------------------------------------------------------

void put_state(const user_state& s, schema::UserState::Builder out);
void put_state(const email_claim_state& s, schema::EmailClaimState::Builder out);
void put_state(const product_state& s, schema::ProductState::Builder out);
void put_state(const cart_state& s, schema::CartState::Builder out);
void put_state(const order_state& s, schema::OrderState::Builder out);
void put_state(const payment_state& s, schema::PaymentState::Builder out);
void put_state(const checkout_state& s, schema::CheckoutState::Builder out);
user_state from(schema::UserState::Reader in);
email_claim_state from(schema::EmailClaimState::Reader in);
product_state from(schema::ProductState::Reader in);
cart_state from(schema::CartState::Reader in);
order_state from(schema::OrderState::Reader in);
payment_state from(schema::PaymentState::Reader in);
checkout_state from(schema::CheckoutState::Reader in);

}  // namespace mercato::domain::codec_detail
