#pragma once
// Payments of orders: authorize (amount = order total), capture ≤ authorized (once), void
// an uncaptured authorization, refunds never above what was captured. The provider is not
// called from here: the runtime calls it and passes its answer in the command.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

enum class payment_status : std::uint8_t {
  requested = 0,  // authorization asked, no answer recorded
  authorized,
  authorization_failed,
  captured,
  voided,
  partially_refunded,
  refunded,  // everything captured was refunded
};

struct refund_record {
  refund_id id;
  money amount;
  std::string provider_reference;
  bool operator==(const refund_record&) const = default;
};

struct payment_state {
  payment_id id;  // empty until authorization is requested
  order_id order;
  user_id user;
  payment_status status = payment_status::requested;
  money amount;  // requested: the order total
  money authorized;
  money captured;
  money refunded;  // ≤ captured
  std::string provider;
  std::string provider_reference;
  std::string card_brand;
  std::string token_masked;
  payment_failure_reason failure = payment_failure_reason::unspecified;
  std::string failure_detail;
  std::vector<refund_record> refunds;

  bool exists() const noexcept { return !id.value().empty(); }
  const refund_record* refund_of(const refund_id& refund) const noexcept;
  bool operator==(const payment_state&) const = default;
};

/// The token with all but its last 4 characters replaced by '*' ("********isa").
std::string mask_token(std::string_view token);

// ---- commands -------------------------------------------------------------------------

/// What the provider answered to an authorization.
struct provider_approved {
  std::string provider_reference;
};
struct provider_declined {
  payment_failure_reason reason = payment_failure_reason::declined;
  std::string detail;
};
using provider_answer = std::variant<provider_approved, provider_declined>;

/// Records the authorization request and the provider's answer in one step.
struct authorize_payment {
  payment_id id;
  order_id order;
  user_id user;
  money amount;       // what is asked
  money order_total;  // what the order says; must equal amount
  std::string provider;
  std::string card_brand;
  std::string token_masked;  // already masked (mask_token)
  provider_answer answer;
};

struct capture_payment {
  money amount;
  std::string provider_reference;
};

struct void_payment {
  std::string reason;
};

struct refund_payment {
  refund_id refund;
  money amount;
  std::string provider_reference;
  std::string reason;
};

using payment_command = std::variant<authorize_payment, capture_payment, void_payment, refund_payment>;

// ---- events ---------------------------------------------------------------------------

struct payment_authorization_requested {
  static constexpr std::string_view type_name = "PaymentAuthorizationRequested";
  payment_id id;
  order_id order;
  user_id user;
  money amount;
  std::string provider;
  std::string card_brand;
  std::string token_masked;
  bool operator==(const payment_authorization_requested&) const = default;
};

struct payment_authorized {
  static constexpr std::string_view type_name = "PaymentAuthorized";
  payment_id id;
  order_id order;
  money amount;
  std::string provider_reference;
  bool operator==(const payment_authorized&) const = default;
};

struct payment_authorization_failed {
  static constexpr std::string_view type_name = "PaymentAuthorizationFailed";
  payment_id id;
  order_id order;
  payment_failure_reason reason = payment_failure_reason::unspecified;
  std::string detail;
  bool operator==(const payment_authorization_failed&) const = default;
};

struct payment_captured {
  static constexpr std::string_view type_name = "PaymentCaptured";
  payment_id id;
  order_id order;
  money amount;
  std::string provider_reference;
  bool operator==(const payment_captured&) const = default;
};

struct payment_voided {
  static constexpr std::string_view type_name = "PaymentVoided";
  payment_id id;
  order_id order;
  std::string reason;
  bool operator==(const payment_voided&) const = default;
};

struct payment_refunded {
  static constexpr std::string_view type_name = "PaymentRefunded";
  payment_id id;
  order_id order;
  money amount;
  refund_id refund;
  std::string provider_reference;
  std::string reason;
  bool operator==(const payment_refunded&) const = default;
};

using payment_event =
    std::variant<payment_authorization_requested, payment_authorized, payment_authorization_failed,
                 payment_captured, payment_voided, payment_refunded>;

// ---- rules ----------------------------------------------------------------------------

/// authorize: on an existing payment → invalid_transition; empty ids → invalid_request;
/// negative amount → invalid_request; amount ≠ order total → amount_mismatch (currency too).
/// Success appends PaymentAuthorizationRequested plus PaymentAuthorized or
/// PaymentAuthorizationFailed: a declined answer is a fact to record, not a refusal.
/// Other commands on a missing payment → payment_not_found.
/// capture: only when authorized (else invalid_transition); amount ≤ 0 → invalid_request;
/// other currency → currency_mismatch; above authorized → capture_exceeds_authorized.
/// void: only when authorized and not captured, else invalid_transition.
/// refund: only once captured (captured or partially refunded; a fully refunded payment
/// has nothing left: refund_exceeds_captured), else invalid_transition; amount ≤ 0 →
/// invalid_request; refunds in total above captured → refund_exceeds_captured; a refund id
/// already recorded: same amount → no events, other amount → invalid_request.
decision<payment_event> decide(const payment_state& state, const payment_command& command);

payment_state apply(payment_state state, const payment_event& event);

/// The refusal code matching a provider failure (declined → payment_declined, ...), for the
/// checkout's record of why it compensated.
domain_errc errc_of(payment_failure_reason reason) noexcept;

}  // namespace mercato::domain
