#pragma once
// Orders and their state machine, exactly as in docs/product.md:
//
//   pending → stock_reserved → payment_authorized → confirmed → shipped → delivered
//   cancelled  from pending, stock_reserved, payment_authorized or confirmed (before shipped)
//   refunded   from confirmed, shipped or delivered (after confirmed)
//
// Every other transition, including a status to itself, is refused with invalid_transition.
// State, commands and events: schemas (OrderState, PlaceOrder..., OrderPlaced...).
#include <cstdint>

#include <mercato/domain/order_line.hpp>
#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// True once the order has been placed.
inline bool exists(const order_state& s) noexcept {
  return !s.order_id.value().empty();
}

/// True iff the order state machine allows `from → to`.
bool transition_allowed(order_status from, order_status to) noexcept;

/// The status a command moves an order to (pending for place_order).
order_status target_status(const order_command& command) noexcept;

/// Refusals: any command but place_order on a missing order → order_not_found; a transition
/// the machine does not allow → invalid_transition, the message naming both statuses
/// ("order o-1: cannot go from pending to shipped"); place_order: empty ids →
/// invalid_request, lines as check_lines; mark_order_payment_authorized without a payment id
/// → invalid_request; refund_order: amount ≤ 0 → invalid_request, other currency →
/// currency_mismatch, more than the total → refund_exceeds_captured.
decision<order_event> decide(const order_state& state, const order_command& command);

/// Folds one event; `committed_at_ns` is recorded in placed_at_ns / updated_at_ns.
order_state apply(order_state state, const order_event& event, std::int64_t committed_at_ns = 0);

}  // namespace mercato::domain
