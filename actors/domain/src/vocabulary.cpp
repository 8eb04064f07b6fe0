// Names of the vocabulary's enums. The domain_errc names are the schema's enumerant names,
// so they stay stable as long as the schema does (codec_test compares them).
#include <array>

#include <mercato/domain/types.hpp>

namespace mercato::domain {
namespace {

template <class Enum, std::size_t N>
std::string_view name_in(const std::array<std::string_view, N>& names, Enum e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < N ? names[i] : std::string_view{"unknown"};
}

constexpr std::array<std::string_view, 37> errc_names{
    "none",
    "emailTaken",
    "invalidEmail",
    "weakPassword",
    "invalidCredentials",
    "userNotFound",
    "invalidRole",
    "productNotFound",
    "productInactive",
    "invalidPrice",
    "insufficientStock",
    "stockNegative",
    "reservationNotFound",
    "reservationExists",
    "productExists",
    "quantityOutOfRange",
    "cartEmpty",
    "cartNotFound",
    "lineNotFound",
    "currencyMismatch",
    "orderNotFound",
    "invalidTransition",
    "paymentNotFound",
    "paymentDeclined",
    "insufficientFunds",
    "paymentProviderError",
    "invalidPaymentToken",
    "amountMismatch",
    "captureExceedsAuthorized",
    "refundExceedsCaptured",
    "invalidSignature",
    "checkoutNotFound",
    "checkoutInProgress",
    "invalidRequest",
    "idempotencyKeyReused",
    "forbidden",
    "notFound",
};
static_assert(errc_names.size() == static_cast<std::size_t>(last_domain_errc) + 1);

constexpr std::array<std::string_view, 8> status_names{
    "pending", "stock_reserved", "payment_authorized", "confirmed",
    "shipped", "delivered",      "cancelled",          "refunded",
};
static_assert(status_names.size() == static_cast<std::size_t>(last_order_status) + 1);

constexpr std::array<std::string_view, 6> cancel_names{
    "unspecified",       "customer_requested", "admin_cancelled",
    "stock_unavailable", "payment_failed",     "checkout_failed",
};

constexpr std::array<std::string_view, 8> failure_names{
    "unspecified",   "declined",        "insufficient_funds", "expired_card",
    "invalid_token", "amount_mismatch", "provider_error",     "provider_timeout",
};

}  // namespace

std::string_view to_string(domain_errc code) noexcept {
  return name_in(errc_names, code);
}
std::string_view to_string(order_status s) noexcept {
  return name_in(status_names, s);
}
std::string_view to_string(cancel_reason r) noexcept {
  return name_in(cancel_names, r);
}
std::string_view to_string(payment_failure_reason r) noexcept {
  return name_in(failure_names, r);
}

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::customer:
      return "customer";
    case role::admin:
      return "admin";
  }
  return "unknown";
}

bool is_valid(role r) noexcept {
  return r == role::customer || r == role::admin;
}

}  // namespace mercato::domain
