#pragma once
// Refusals of domain commands. A refusal is a value (docs/style.md): `decide` returns it and
// appends nothing. The codes mirror schemas/errors.capnp `DomainError` ordinal for ordinal
// (checked by static_asserts in codec), so they cross processes and land in stored records.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mercato/common/result.hpp>

namespace mercato::domain {

/// Closed set of refusal kinds; same order and meaning as `DomainError` in errors.capnp.
enum class domain_errc : std::uint16_t {
  none = 0,
  // users
  email_taken,
  invalid_email,
  weak_password,
  invalid_credentials,
  user_not_found,
  invalid_role,
  // products and inventory
  product_not_found,
  product_inactive,
  invalid_price,
  insufficient_stock,
  stock_negative,
  reservation_not_found,
  reservation_exists,
  product_exists,
  // carts
  quantity_out_of_range,
  cart_empty,
  cart_not_found,
  line_not_found,
  currency_mismatch,
  // orders
  order_not_found,
  invalid_transition,
  // payments
  payment_not_found,
  payment_declined,
  insufficient_funds,
  payment_provider_error,
  invalid_payment_token,
  amount_mismatch,
  capture_exceeds_authorized,
  refund_exceeds_captured,
  invalid_signature,
  // checkout
  checkout_not_found,
  checkout_in_progress,
  // general
  invalid_request,
  idempotency_key_reused,
  forbidden,
  not_found,
};

/// The last enumerant; codes past it come from a newer peer (see codec).
inline constexpr domain_errc last_domain_errc = domain_errc::not_found;

/// The stable name of a code: the schema's enumerant name ("insufficientStock"), fit for
/// problem `type`s and logs. Never empty; "unknown" for a value outside the enum.
std::string_view to_string(domain_errc code) noexcept;

/// A refusal: what kind (for programs) and a message a person can act on.
struct domain_error {
  domain_errc code = domain_errc::none;
  std::string message;
  bool operator==(const domain_error&) const = default;
};

/// What `decide` returns: the events to append (possibly none: an idempotent no-op), or
/// the refusal.
template <class Event>
using decision = mercato::result<std::vector<Event>, domain_error>;

/// Shorthand for a refusal, usable wherever a result<..., domain_error> is returned.
inline unexpected<domain_error> refuse(domain_errc code, std::string message) {
  return mercato::fail(domain_error{code, std::move(message)});
}

}  // namespace mercato::domain
