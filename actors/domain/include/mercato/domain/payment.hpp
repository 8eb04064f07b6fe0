#pragma once
// Payments of orders: authorize (amount = order total), capture ≤ authorized (once), void
// an uncaptured authorization, refunds never above what was captured. The provider is not
// called from here: the runtime calls it and passes its answer in the command.
// State, commands and events: schemas (PaymentState, AuthorizePayment..., PaymentAuthorized...).
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// True once an authorization was requested.
inline bool exists(const payment_state& s) noexcept {
  return !s.payment_id.value().empty();
}
/// The recorded refund `refund`, or nullptr.
const refund_record* refund_of(const payment_state& s, const refund_id& refund) noexcept;

/// The token with all but its last 4 characters replaced by '*' ("********isa").
std::string mask_token(std::string_view token);

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

payment_state apply(payment_state state, const payment_event& event, std::int64_t committed_at_ns = 0);

/// The refusal code matching a provider failure (declined → payment_declined, ...), for the
/// checkout's record of why it compensated.
domain_errc errc_of(payment_failure_reason reason) noexcept;

}  // namespace mercato::domain
