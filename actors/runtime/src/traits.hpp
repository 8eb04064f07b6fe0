#pragma once
// What the generic entity host needs to know about each kind of entity: its types, its
// stream prefix, and how to decide, apply and encode. Plain C++ (no CAF).
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <mercato/actors/engine.hpp>
#include <mercato/codec/codec.hpp>
#include <mercato/domain/events.hpp>
#include <mercato/domain/notification.hpp>

namespace mercato::actors {

struct user_traits {
  using state = domain::user_state;
  using command = domain::user_command;
  using event = domain::user_event;
  static constexpr std::string_view prefix = "user/";
};
struct email_traits {
  using state = domain::email_claim_state;
  using command = domain::email_claim_command;
  using event = domain::email_claim_event;
  static constexpr std::string_view prefix = "email/";
};
struct product_traits {
  using state = domain::product_state;
  using command = domain::product_command;
  using event = domain::product_event;
  static constexpr std::string_view prefix = "product/";
};
struct cart_traits {
  using state = domain::cart_state;
  using command = domain::cart_command;
  using event = domain::cart_event;
  static constexpr std::string_view prefix = "cart/";
};
struct order_traits {
  using state = domain::order_state;
  using command = domain::order_command;
  using event = domain::order_event;
  static constexpr std::string_view prefix = "order/";
};
struct payment_traits {
  using state = domain::payment_state;
  using command = domain::payment_command;
  using event = domain::payment_event;
  static constexpr std::string_view prefix = "payment/";
};
struct checkout_traits {
  using state = domain::checkout_state;
  using command = domain::checkout_command;
  using event = domain::checkout_event;
  static constexpr std::string_view prefix = "checkout/";
};

template <class T>
domain::decision<typename T::event> decide_for(const typename T::state& s, const typename T::command& c,
                                               const engine_options& o) {
  if constexpr (std::is_same_v<T, cart_traits>)
    return domain::decide(s, c, o.cart);
  else
    return domain::decide(s, c);
}

template <class T>
typename T::state apply_for(typename T::state s, const typename T::event& e, std::int64_t committed_at_ns) {
  return domain::apply(std::move(s), e, committed_at_ns);
}

/// Folds one recorded event of an entity's stream into its state. Events of other kinds on
/// the stream (the notifications an order or payment causes) change nothing. Returns an
/// error text when the event cannot be read.
template <class T>
std::optional<std::string> fold_recorded(typename T::state& state, const es::recorded_event& e) {
  auto any = codec::decode_event(e);  // never throws: malformed bytes come back as an error
  if (!any)
    return "event " + std::to_string(e.version.value()) + " of " + e.stream + ": " + any.error().message;
  if (auto mine = domain::as_entity_event<typename T::event>(std::move(*any)))
    state = apply_for<T>(std::move(state), *mine, e.timestamp_ns);
  return std::nullopt;
}

/// Notifications a committed event causes (appended with it, on the same stream).
template <class T>
std::vector<domain::notification_emitted> notifications_for(const typename T::state& after,
                                                            const typename T::event& e,
                                                            const domain::event_origin& origin) {
  if constexpr (std::is_same_v<T, order_traits> || std::is_same_v<T, payment_traits>)
    return domain::notifications_for(after, e, origin);
  else
    return {};
}

}  // namespace mercato::actors
