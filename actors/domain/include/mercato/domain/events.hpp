#pragma once
// Every domain event in one variant (any_event, generated from the Event union of
// schemas/events.capnp together with one variant per kind of entity: cart_event, ...), and
// conversions between them, for code that handles events of any entity (projections,
// tools, the runtime's fold).
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
template <class EntityEvent, class Any>
std::optional<EntityEvent> as_entity_event(Any&& event) {
  return std::visit(
      [](auto&& e) -> std::optional<EntityEvent> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (is_alternative_of<T, EntityEvent>::value)
          return EntityEvent{std::forward<decltype(e)>(e)};
        else
          return std::nullopt;
      },
      std::forward<Any>(event));
}

}  // namespace mercato::domain
