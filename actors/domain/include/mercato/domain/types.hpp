#pragma once
// The domain's vocabulary: one distinct type per id, counts, roles, order status and the
// small closed enums events carry. Includes money and refusals, so one include gives all.
// Every enum here mirrors an enum of schemas/*.capnp ordinal for ordinal (checked in codec).
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/common/strong.hpp>
#include <mercato/domain/error.hpp>
#include <mercato/domain/money.hpp>

namespace mercato::domain {

struct user_id_tag;
struct product_id_tag;
struct cart_id_tag;
struct order_id_tag;
struct payment_id_tag;
struct checkout_id_tag;
struct notification_id_tag;
struct refund_id_tag;
struct quantity_tag;

// Ids are text (they name streams); distinct types so one cannot stand in for another.
using user_id = mercato::strong<std::string, user_id_tag>;
using product_id = mercato::strong<std::string, product_id_tag>;
using cart_id = mercato::strong<std::string, cart_id_tag>;
using order_id = mercato::strong<std::string, order_id_tag>;
using payment_id = mercato::strong<std::string, payment_id_tag>;
using checkout_id = mercato::strong<std::string, checkout_id_tag>;
using notification_id = mercato::strong<std::string, notification_id_tag>;
using refund_id = mercato::strong<std::string, refund_id_tag>;

/// A count of units, validated where it enters (commands carry raw signed numbers so the
/// rules, not the type system, decide what a negative or zero request means).
using quantity = mercato::strong<std::uint32_t, quantity_tag>;

/// The one open cart of a user: its id is derived from the user's, so there is never a
/// second one. "cart-" + user id.
inline cart_id cart_id_for(const user_id& user) {
  return cart_id{"cart-" + user.value()};
}

enum class role : std::uint8_t { customer = 0, admin = 1 };

enum class order_status : std::uint8_t {
  pending = 0,
  stock_reserved,
  payment_authorized,
  confirmed,
  shipped,
  delivered,
  cancelled,
  refunded,
};
inline constexpr order_status last_order_status = order_status::refunded;

/// Why an order was cancelled, a checkout compensated or a reservation released.
enum class cancel_reason : std::uint8_t {
  unspecified = 0,
  customer_requested,
  admin_cancelled,
  stock_unavailable,
  payment_failed,
  checkout_failed,
};

enum class payment_failure_reason : std::uint8_t {
  unspecified = 0,
  declined,
  insufficient_funds,
  expired_card,
  invalid_token,
  amount_mismatch,
  provider_error,
  provider_timeout,
};

enum class notification_kind : std::uint8_t {
  order_confirmed = 0,
  order_shipped,
  order_delivered,
  order_cancelled,
  payment_failed,
  refund_issued,
};

enum class checkout_outcome : std::uint8_t { confirmed = 0, compensated };

// Stable lower-case names ("stock_reserved"), for messages and logs.
std::string_view to_string(role r) noexcept;
std::string_view to_string(order_status s) noexcept;
std::string_view to_string(cancel_reason r) noexcept;
std::string_view to_string(payment_failure_reason r) noexcept;

/// True for the enumerants above; false for a value cast from an unchecked number.
bool is_valid(role r) noexcept;

}  // namespace mercato::domain
