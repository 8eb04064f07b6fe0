#pragma once
// Every domain event in one variant, for code that handles events of any entity (the codec,
// projections, tools), and conversions between it and each entity's own event variant.
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include <mercato/domain/cart.hpp>
#include <mercato/domain/checkout.hpp>
#include <mercato/domain/email_claim.hpp>
#include <mercato/domain/notification.hpp>
#include <mercato/domain/order.hpp>
#include <mercato/domain/payment.hpp>
#include <mercato/domain/product.hpp>
#include <mercato/domain/user.hpp>

namespace mercato::domain {

using any_event = std::variant<
    // users and e-mail claims
    user_registered, user_password_changed, user_role_changed, email_claimed, email_released,
    // products
    product_created, product_updated, product_deactivated, product_reactivated, product_restocked,
    product_stock_reserved, product_reservation_released, product_reservation_committed,
    // carts
    cart_item_added, cart_item_quantity_changed, cart_item_removed, cart_cleared, cart_checked_out,
    // orders
    order_placed, order_stock_reserved, order_payment_authorized, order_confirmed, order_shipped,
    order_delivered, order_cancelled, order_refunded,
    // payments
    payment_authorization_requested, payment_authorized, payment_authorization_failed, payment_captured,
    payment_voided, payment_refunded,
    // notifications
    notification_emitted,
    // checkout
    checkout_started, checkout_order_placed, checkout_stock_reserved, checkout_stock_reservation_failed,
    checkout_order_stock_reserved, checkout_payment_authorized, checkout_payment_failed,
    checkout_order_payment_authorized, checkout_order_confirmed, checkout_cart_checked_out,
    checkout_compensation_started, checkout_stock_released, checkout_payment_voided, checkout_order_cancelled,
    checkout_completed>;

/// The stable event type name (the envelope's eventType), e.g. "CartItemAdded".
template <class... Ts>
std::string_view event_type_name(const std::variant<Ts...>& event) noexcept {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::type_name; }, event);
}

template <class T, class Variant>
struct is_alternative_of;
template <class T, class... Ts>
struct is_alternative_of<T, std::variant<Ts...>> : std::disjunction<std::is_same<T, Ts>...> {};

/// An entity's event as an any_event.
template <class... Ts>
any_event to_any(const std::variant<Ts...>& event) {
  return std::visit([](const auto& e) { return any_event{e}; }, event);
}

/// `event` as one of entity variant `EntityEvent`'s alternatives, or nullopt when it belongs
/// to another entity (e.g. a CartItemAdded found on a product's stream).
template <class EntityEvent>
std::optional<EntityEvent> as_entity_event(const any_event& event) {
  return std::visit(
      [](const auto& e) -> std::optional<EntityEvent> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (is_alternative_of<T, EntityEvent>::value)
          return EntityEvent{e};
        else
          return std::nullopt;
      },
      event);
}

}  // namespace mercato::domain
