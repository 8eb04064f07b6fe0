// The codec's public entry points: dispatch over Event and Snapshot unions, and the boundary
// where decoding failures (ours and Cap'n Proto's) become codec_error values.
#include <kj/exception.h>

#include "codec_detail.hpp"

namespace mercato::domain {
namespace {

using namespace codec_detail;
using W = schema::Event::Which;

/// Every known member, no `default:` (so -Wswitch flags a forgotten one); a newer member
/// falls out of the switch.
any_event decode_member(schema::Event::Reader in) {
  switch (in.which()) {
    case W::NONE:
      throw decode_failure("empty event (union member none)");
    case W::USER_REGISTERED:
      return any_event{from(in.getUserRegistered())};
    case W::USER_PASSWORD_CHANGED:
      return any_event{from(in.getUserPasswordChanged())};
    case W::USER_ROLE_CHANGED:
      return any_event{from(in.getUserRoleChanged())};
    case W::EMAIL_CLAIMED:
      return any_event{from(in.getEmailClaimed())};
    case W::EMAIL_RELEASED:
      return any_event{from(in.getEmailReleased())};
    case W::PRODUCT_CREATED:
      return any_event{from(in.getProductCreated())};
    case W::PRODUCT_UPDATED:
      return any_event{from(in.getProductUpdated())};
    case W::PRODUCT_DEACTIVATED:
      return any_event{from(in.getProductDeactivated())};
    case W::PRODUCT_REACTIVATED:
      return any_event{from(in.getProductReactivated())};
    case W::PRODUCT_RESTOCKED:
      return any_event{from(in.getProductRestocked())};
    case W::PRODUCT_STOCK_RESERVED:
      return any_event{from(in.getProductStockReserved())};
    case W::PRODUCT_RESERVATION_RELEASED:
      return any_event{from(in.getProductReservationReleased())};
    case W::PRODUCT_RESERVATION_COMMITTED:
      return any_event{from(in.getProductReservationCommitted())};
    case W::CART_ITEM_ADDED:
      return any_event{from(in.getCartItemAdded())};
    case W::CART_ITEM_QUANTITY_CHANGED:
      return any_event{from(in.getCartItemQuantityChanged())};
    case W::CART_ITEM_REMOVED:
      return any_event{from(in.getCartItemRemoved())};
    case W::CART_CLEARED:
      return any_event{from(in.getCartCleared())};
    case W::CART_CHECKED_OUT:
      return any_event{from(in.getCartCheckedOut())};
    case W::ORDER_PLACED:
      return any_event{from(in.getOrderPlaced())};
    case W::ORDER_STOCK_RESERVED:
      return any_event{from(in.getOrderStockReserved())};
    case W::ORDER_PAYMENT_AUTHORIZED:
      return any_event{from(in.getOrderPaymentAuthorized())};
    case W::ORDER_CONFIRMED:
      return any_event{from(in.getOrderConfirmed())};
    case W::ORDER_SHIPPED:
      return any_event{from(in.getOrderShipped())};
    case W::ORDER_DELIVERED:
      return any_event{from(in.getOrderDelivered())};
    case W::ORDER_CANCELLED:
      return any_event{from(in.getOrderCancelled())};
    case W::ORDER_REFUNDED:
      return any_event{from(in.getOrderRefunded())};
    case W::PAYMENT_AUTHORIZATION_REQUESTED:
      return any_event{from(in.getPaymentAuthorizationRequested())};
    case W::PAYMENT_AUTHORIZED:
      return any_event{from(in.getPaymentAuthorized())};
    case W::PAYMENT_AUTHORIZATION_FAILED:
      return any_event{from(in.getPaymentAuthorizationFailed())};
    case W::PAYMENT_CAPTURED:
      return any_event{from(in.getPaymentCaptured())};
    case W::PAYMENT_VOIDED:
      return any_event{from(in.getPaymentVoided())};
    case W::PAYMENT_REFUNDED:
      return any_event{from(in.getPaymentRefunded())};
    case W::NOTIFICATION_EMITTED:
      return any_event{from(in.getNotificationEmitted())};
    case W::CHECKOUT_STARTED:
      return any_event{from(in.getCheckoutStarted())};
    case W::CHECKOUT_ORDER_PLACED:
      return any_event{from(in.getCheckoutOrderPlaced())};
    case W::CHECKOUT_STOCK_RESERVED:
      return any_event{from(in.getCheckoutStockReserved())};
    case W::CHECKOUT_STOCK_RESERVATION_FAILED:
      return any_event{from(in.getCheckoutStockReservationFailed())};
    case W::CHECKOUT_ORDER_STOCK_RESERVED:
      return any_event{from(in.getCheckoutOrderStockReserved())};
    case W::CHECKOUT_PAYMENT_AUTHORIZED:
      return any_event{from(in.getCheckoutPaymentAuthorized())};
    case W::CHECKOUT_PAYMENT_FAILED:
      return any_event{from(in.getCheckoutPaymentFailed())};
    case W::CHECKOUT_ORDER_PAYMENT_AUTHORIZED:
      return any_event{from(in.getCheckoutOrderPaymentAuthorized())};
    case W::CHECKOUT_ORDER_CONFIRMED:
      return any_event{from(in.getCheckoutOrderConfirmed())};
    case W::CHECKOUT_CART_CHECKED_OUT:
      return any_event{from(in.getCheckoutCartCheckedOut())};
    case W::CHECKOUT_COMPENSATION_STARTED:
      return any_event{from(in.getCheckoutCompensationStarted())};
    case W::CHECKOUT_STOCK_RELEASED:
      return any_event{from(in.getCheckoutStockReleased())};
    case W::CHECKOUT_PAYMENT_VOIDED:
      return any_event{from(in.getCheckoutPaymentVoided())};
    case W::CHECKOUT_ORDER_CANCELLED:
      return any_event{from(in.getCheckoutOrderCancelled())};
    case W::CHECKOUT_COMPLETED:
      return any_event{from(in.getCheckoutCompleted())};
  }
  throw decode_failure("unknown Event member " + std::to_string(static_cast<unsigned>(in.which())) +
                       " (written by a newer version?)");
}

/// Runs `f`, turning decoding failures into codec_error.
template <class T, class F>
decoded<T> guarded(F&& f) {
  try {
    return f();
  } catch (const decode_failure& e) {
    return mercato::fail(codec_error{e.what()});
  } catch (const kj::Exception& e) {
    return mercato::fail(codec_error{"malformed message: " + std::string(e.getDescription().cStr())});
  }
}

using S = schema::Snapshot::State::Which;

std::string_view member_name(S which) {
  switch (which) {
    case S::NONE:
      return "none";
    case S::USER:
      return "user";
    case S::PRODUCT:
      return "product";
    case S::CART:
      return "cart";
    case S::ORDER:
      return "order";
    case S::PAYMENT:
      return "payment";
    case S::CHECKOUT:
      return "checkout";
    case S::EMAIL_CLAIM:
      return "emailClaim";
  }
  return "unknown";
}

/// Reads a snapshot's state if it is member `expected` written by this fold version.
template <class State, class Get>
decoded<State> snapshot_state(schema::Snapshot::Reader in, S expected, Get get) {
  return guarded<State>([&]() -> State {
    const auto state = in.getState();
    if (state.which() != expected)
      throw decode_failure("snapshot holds " + std::string(member_name(state.which())) + " state (member " +
                           std::to_string(static_cast<unsigned>(state.which())) + "), expected " +
                           std::string(member_name(expected)));
    if (in.getStateVersion() != state_version<State>)
      throw decode_failure("snapshot state version " + std::to_string(in.getStateVersion()) +
                           ", this build folds version " + std::to_string(state_version<State>));
    return get(state);
  });
}

}  // namespace

void encode_event(const any_event& event, schema::Event::Builder out) {
  std::visit([&](const auto& e) { put_event(e, out); }, event);
}

decoded<any_event> decode_event(schema::Event::Reader in) {
  return guarded<any_event>([&] { return decode_member(in); });
}

void encode_state(const user_state& s, schema::Snapshot::Builder out) {
  out.setStateVersion(state_version<user_state>);
  put_state(s, out.initState().initUser());
}
void encode_state(const email_claim_state& s, schema::Snapshot::Builder out) {
  out.setStateVersion(state_version<email_claim_state>);
  put_state(s, out.initState().initEmailClaim());
}
void encode_state(const product_state& s, schema::Snapshot::Builder out) {
  out.setStateVersion(state_version<product_state>);
  put_state(s, out.initState().initProduct());
}
void encode_state(const cart_state& s, schema::Snapshot::Builder out) {
  out.setStateVersion(state_version<cart_state>);
  put_state(s, out.initState().initCart());
}
void encode_state(const order_state& s, schema::Snapshot::Builder out) {
  out.setStateVersion(state_version<order_state>);
  put_state(s, out.initState().initOrder());
}
void encode_state(const payment_state& s, schema::Snapshot::Builder out) {
  out.setStateVersion(state_version<payment_state>);
  put_state(s, out.initState().initPayment());
}
void encode_state(const checkout_state& s, schema::Snapshot::Builder out) {
  out.setStateVersion(state_version<checkout_state>);
  put_state(s, out.initState().initCheckout());
}

template <>
decoded<user_state> decode_state<user_state>(schema::Snapshot::Reader in) {
  return snapshot_state<user_state>(in, S::USER, [](auto s) { return from(s.getUser()); });
}
template <>
decoded<email_claim_state> decode_state<email_claim_state>(schema::Snapshot::Reader in) {
  return snapshot_state<email_claim_state>(in, S::EMAIL_CLAIM,
                                           [](auto s) { return from(s.getEmailClaim()); });
}
template <>
decoded<product_state> decode_state<product_state>(schema::Snapshot::Reader in) {
  return snapshot_state<product_state>(in, S::PRODUCT, [](auto s) { return from(s.getProduct()); });
}
template <>
decoded<cart_state> decode_state<cart_state>(schema::Snapshot::Reader in) {
  return snapshot_state<cart_state>(in, S::CART, [](auto s) { return from(s.getCart()); });
}
template <>
decoded<order_state> decode_state<order_state>(schema::Snapshot::Reader in) {
  return snapshot_state<order_state>(in, S::ORDER, [](auto s) { return from(s.getOrder()); });
}
template <>
decoded<payment_state> decode_state<payment_state>(schema::Snapshot::Reader in) {
  return snapshot_state<payment_state>(in, S::PAYMENT, [](auto s) { return from(s.getPayment()); });
}
template <>
decoded<checkout_state> decode_state<checkout_state>(schema::Snapshot::Reader in) {
  return snapshot_state<checkout_state>(in, S::CHECKOUT, [](auto s) { return from(s.getCheckout()); });
}

}  // namespace mercato::domain
