#pragma once
// The checkout process manager (saga), event-sourced like any entity. Its stream records
// every step it completed, so `next_step(state)` alone tells a restarted runtime what to do:
//
//   forward:     place order → reserve line 0..n-1 → mark order stock reserved →
//                authorize payment → mark order payment authorized → confirm order →
//                mark cart checked out → completed(confirmed)
//   any failure: compensation started(reason) → release every reserved line → void the
//                authorization if any → cancel the order if placed → completed(compensated)
//
// The runtime loop: s = fold(stream); while ((a = next_step(s)).action != done) { send a's
// command to its entity with idempotency key step_key(s, a), so a step re-sent after a crash
// returns its first result; turn the answer into the matching record_* command; decide;
// append; apply }. decide appends CheckoutCompleted itself in the batch that finishes the
// last step, so a checkout never waits in a "nothing left to do" state.
//
// How answers map to record commands:
//   place order / mark order ... / confirm order: success → record_*; refusal →
//     record_step_failed (compensates with checkout_failed).
//   reserve line i: success → record_stock_reserved; refusal → record_stock_reservation_failed
//     (compensates with stock_unavailable).
//   authorize payment: PaymentAuthorized → record_payment_authorized; PaymentAuthorizationFailed
//     → record_payment_failed (compensates with payment_failed); a refusal → record_step_failed.
//   mark cart checked out: any answer → record_cart_checked_out (the order is confirmed and
//     paid; a cart emptied meanwhile must not undo that).
//   release line i: success or reservation_not_found (already released) → record_stock_released.
//   void payment: success, or the payment is no longer authorized → record_payment_voided.
//   cancel order: success, or the order is already cancelled → record_order_cancelled.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/domain/order.hpp>
#include <mercato/domain/order_line.hpp>
#include <mercato/domain/product.hpp>
#include <mercato/domain/types.hpp>

namespace mercato::domain {

// State, commands and events: schemas (CheckoutState, StartCheckout / Record..., CheckoutStarted...).
// The coarse phase stored in snapshots is `checkout_step`; next_step gives the exact action.

/// True once the checkout has started.
inline bool exists(const checkout_state& s) noexcept {
  return !s.checkout_id.value().empty();
}

enum class checkout_action : std::uint8_t {
  place_order,
  reserve_line,  // line index in `line`
  mark_order_stock_reserved,
  authorize_payment,
  mark_order_payment_authorized,
  confirm_order,
  mark_cart_checked_out,
  release_line,  // line index in `line`
  void_payment,
  cancel_order,
  done,  // completed, or no checkout at all
};

struct checkout_next {
  checkout_action action = checkout_action::done;
  std::size_t line = 0;  // for reserve_line and release_line
  bool operator==(const checkout_next&) const = default;
};

/// The one thing to do next, from the state alone.
checkout_next next_step(const checkout_state& state);

/// "<checkout id>/<action>[/<line>]": the idempotency key of the step's command.
std::string step_key(const checkout_state& state, const checkout_next& next);

std::string_view to_string(checkout_action a) noexcept;

// Commands the steps send to other entities, built from the saga's state. Line commands go
// to product s.line_progress[line].product_id; the others to s.order_id.
place_order place_order_for(const checkout_state& s);
reserve_stock reserve_line_for(const checkout_state& s, std::size_t line);
release_reservation release_line_for(const checkout_state& s, std::size_t line);
cancel_order cancel_order_for(const checkout_state& s);

/// start: on an existing checkout → checkout_in_progress (or invalid_transition once
/// completed); empty ids → invalid_request; empty token → invalid_payment_token; lines as
/// check_lines. Any other command on a missing checkout → checkout_not_found. A record_*
/// command that is not the answer to next_step(state) → invalid_transition (a record for a
/// product or quantity other than the expected line's → invalid_request). A failure appends
/// its record plus CheckoutCompensationStarted; the batch finishing the last step ends with
/// CheckoutCompleted.
decision<checkout_event> decide(const checkout_state& state, const checkout_command& command);

/// Folds one event; `committed_at_ns` is recorded in started_at_ns for CheckoutStarted.
checkout_state apply(checkout_state state, const checkout_event& event, std::int64_t committed_at_ns = 0);

}  // namespace mercato::domain
