#pragma once
// Orders and their state machine, exactly as in docs/product.md:
//
//   pending → stock_reserved → payment_authorized → confirmed → shipped → delivered
//   cancelled  from pending, stock_reserved, payment_authorized or confirmed (before shipped)
//   refunded   from confirmed, shipped or delivered (after confirmed)
//
// Every other transition, including a status to itself, is refused with invalid_transition.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mercato/domain/order_line.hpp>
#include <mercato/domain/types.hpp>

namespace mercato::domain {

struct order_state {
  order_id id;  // empty until placed
  user_id user;
  cart_id cart;
  checkout_id checkout;
  std::vector<order_line> lines;
  money total;
  order_status status = order_status::pending;
  payment_id payment;  // empty until the payment is authorized
  std::string tracking;
  std::string carrier;
  cancel_reason cancellation = cancel_reason::unspecified;  // when cancelled
  std::string cancel_detail;
  money refunded;                  // total refunded so far
  std::int64_t placed_at_ns = 0;   // commit time of OrderPlaced (see apply)
  std::int64_t updated_at_ns = 0;  // commit time of the last status change

  bool exists() const noexcept { return !id.value().empty(); }
  bool operator==(const order_state&) const = default;
};

/// True iff the order state machine (docs/product.md) allows `from → to`.
bool transition_allowed(order_status from, order_status to) noexcept;

// ---- commands -------------------------------------------------------------------------

/// Creates the order, pending, from a cart checkout; lines are checked by check_lines.
struct place_order {
  order_id id;
  user_id user;
  cart_id cart;
  checkout_id checkout;
  std::vector<order_line> lines;
};
struct mark_order_stock_reserved {};
struct mark_order_payment_authorized {
  payment_id payment;
};
struct confirm_order {};
struct ship_order {
  std::string tracking;  // may be empty
  std::string carrier;   // may be empty
};
struct deliver_order {};
struct cancel_order {
  cancel_reason reason = cancel_reason::unspecified;
  std::string detail;
  user_id cancelled_by;  // empty when the system (checkout) cancels
};
/// Records money returned for the order (the payment's refund `refund`).
struct refund_order {
  money amount;
  std::string reason;
  payment_id payment;
  refund_id refund;
};

using order_command = std::variant<place_order, mark_order_stock_reserved, mark_order_payment_authorized,
                                   confirm_order, ship_order, deliver_order, cancel_order, refund_order>;

/// The status a command moves an order to (pending for place_order).
order_status target_status(const order_command& command) noexcept;

// ---- events ---------------------------------------------------------------------------

struct order_placed {
  static constexpr std::string_view type_name = "OrderPlaced";
  order_id id;
  user_id user;
  cart_id cart;
  checkout_id checkout;
  std::vector<order_line> lines;
  money total;
  bool operator==(const order_placed&) const = default;
};

struct order_stock_reserved {
  static constexpr std::string_view type_name = "OrderStockReserved";
  order_id id;
  bool operator==(const order_stock_reserved&) const = default;
};

struct order_payment_authorized {
  static constexpr std::string_view type_name = "OrderPaymentAuthorized";
  order_id id;
  payment_id payment;
  bool operator==(const order_payment_authorized&) const = default;
};

struct order_confirmed {
  static constexpr std::string_view type_name = "OrderConfirmed";
  order_id id;
  bool operator==(const order_confirmed&) const = default;
};

struct order_shipped {
  static constexpr std::string_view type_name = "OrderShipped";
  order_id id;
  std::string tracking;
  std::string carrier;
  bool operator==(const order_shipped&) const = default;
};

struct order_delivered {
  static constexpr std::string_view type_name = "OrderDelivered";
  order_id id;
  bool operator==(const order_delivered&) const = default;
};

struct order_cancelled {
  static constexpr std::string_view type_name = "OrderCancelled";
  order_id id;
  cancel_reason reason = cancel_reason::unspecified;
  std::string detail;
  user_id cancelled_by;
  bool operator==(const order_cancelled&) const = default;
};

struct order_refunded {
  static constexpr std::string_view type_name = "OrderRefunded";
  order_id id;
  money amount;
  std::string reason;
  payment_id payment;
  refund_id refund;
  bool operator==(const order_refunded&) const = default;
};

using order_event =
    std::variant<order_placed, order_stock_reserved, order_payment_authorized, order_confirmed, order_shipped,
                 order_delivered, order_cancelled, order_refunded>;

// ---- rules ----------------------------------------------------------------------------

/// Refusals: any command but place_order on a missing order → order_not_found; a transition
/// the machine does not allow → invalid_transition, the message naming both statuses
/// ("order o-1: cannot go from pending to shipped"); place_order: empty ids →
/// invalid_request, lines as check_lines; mark_order_payment_authorized without a payment id
/// → invalid_request; refund_order: amount ≤ 0 → invalid_request, other currency →
/// currency_mismatch, more than the total → refund_exceeds_captured.
decision<order_event> decide(const order_state& state, const order_command& command);

order_state apply(order_state state, const order_event& event);
/// As apply, and records `committed_at_ns` in placed_at_ns / updated_at_ns.
order_state apply(order_state state, const order_event& event, std::int64_t committed_at_ns);

}  // namespace mercato::domain
