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
#include <variant>
#include <vector>

#include <mercato/domain/order.hpp>
#include <mercato/domain/order_line.hpp>
#include <mercato/domain/product.hpp>
#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// Coarse phase, as stored in snapshots (CheckoutStep); next_step gives the exact action.
enum class checkout_step : std::uint8_t {
  placing_order = 0,
  reserving_stock,      // lines, then marking the order stock_reserved
  authorizing_payment,  // payment, then marking the order payment_authorized
  confirming_order,     // confirming, then marking the cart checked out
  compensating,
  completed,
};

enum class line_stock_state : std::uint8_t { pending = 0, reserved, failed, released };

struct checkout_line_progress {
  product_id product;
  quantity qty;
  line_stock_state state = line_stock_state::pending;
  domain_errc failure = domain_errc::none;  // when failed
  bool operator==(const checkout_line_progress&) const = default;
};

struct checkout_state {
  checkout_id id;  // empty until started
  user_id user;
  cart_id cart;
  order_id order;
  payment_id payment;
  std::string payment_token;
  std::vector<order_line> lines;
  money total;
  checkout_step step = checkout_step::placing_order;
  std::vector<checkout_line_progress> progress;  // one per line, same order
  bool order_placed = false;
  bool order_stock_reserved = false;
  bool payment_authorized = false;
  bool order_payment_authorized = false;
  bool order_confirmed = false;
  bool cart_checked_out = false;
  bool payment_voided = false;
  bool order_cancelled = false;
  cancel_reason compensation_reason = cancel_reason::unspecified;
  std::string compensation_detail;
  checkout_outcome outcome = checkout_outcome::confirmed;  // when completed
  std::int64_t started_at_ns = 0;

  bool exists() const noexcept { return !id.value().empty(); }
  bool operator==(const checkout_state&) const = default;
};

// ---- what to do next ------------------------------------------------------------------

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
// to product s.progress[line].product; the others to s.order.
place_order place_order_for(const checkout_state& s);
reserve_stock reserve_line_for(const checkout_state& s, std::size_t line);
release_reservation release_line_for(const checkout_state& s, std::size_t line);
cancel_order cancel_order_for(const checkout_state& s);

// ---- commands -------------------------------------------------------------------------

/// Begins a checkout; ids chosen up front (payment id too, so a resumed authorization is
/// idempotent at the provider). Lines are checked by check_lines; the total is computed.
struct start_checkout {
  checkout_id id;
  user_id user;
  cart_id cart;
  order_id order;
  payment_id payment;
  std::vector<order_line> lines;
  std::string payment_token;
};
struct record_order_placed {};
struct record_stock_reserved {
  product_id product;
  quantity qty;
};
struct record_stock_reservation_failed {
  product_id product;
  domain_errc reason = domain_errc::insufficient_stock;
  std::string detail;
};
struct record_order_stock_reserved {};
struct record_payment_authorized {};
struct record_payment_failed {
  payment_failure_reason reason = payment_failure_reason::declined;
  std::string detail;
};
struct record_order_payment_authorized {};
struct record_order_confirmed {};
struct record_cart_checked_out {};
/// A forward step was refused for another reason than stock or payment.
struct record_step_failed {
  domain_error error;
};
struct record_stock_released {
  product_id product;
  quantity qty;
};
struct record_payment_voided {};
struct record_order_cancelled {};

using checkout_command =
    std::variant<start_checkout, record_order_placed, record_stock_reserved, record_stock_reservation_failed,
                 record_order_stock_reserved, record_payment_authorized, record_payment_failed,
                 record_order_payment_authorized, record_order_confirmed, record_cart_checked_out,
                 record_step_failed, record_stock_released, record_payment_voided, record_order_cancelled>;

// ---- events ---------------------------------------------------------------------------

struct checkout_started {
  static constexpr std::string_view type_name = "CheckoutStarted";
  checkout_id id;
  user_id user;
  cart_id cart;
  order_id order;
  payment_id payment;
  std::vector<order_line> lines;
  money total;
  std::string payment_token;
  bool operator==(const checkout_started&) const = default;
};

struct checkout_order_placed {
  static constexpr std::string_view type_name = "CheckoutOrderPlaced";
  checkout_id id;
  order_id order;
  bool operator==(const checkout_order_placed&) const = default;
};

struct checkout_order_stock_reserved {
  static constexpr std::string_view type_name = "CheckoutOrderStockReserved";
  checkout_id id;
  order_id order;
  bool operator==(const checkout_order_stock_reserved&) const = default;
};

struct checkout_payment_authorized {
  static constexpr std::string_view type_name = "CheckoutPaymentAuthorized";
  checkout_id id;
  payment_id payment;
  bool operator==(const checkout_payment_authorized&) const = default;
};

struct checkout_order_confirmed {
  static constexpr std::string_view type_name = "CheckoutOrderConfirmed";
  checkout_id id;
  order_id order;
  bool operator==(const checkout_order_confirmed&) const = default;
};

struct checkout_cart_checked_out {
  static constexpr std::string_view type_name = "CheckoutCartCheckedOut";
  checkout_id id;
  cart_id cart;
  bool operator==(const checkout_cart_checked_out&) const = default;
};

struct checkout_payment_voided {
  static constexpr std::string_view type_name = "CheckoutPaymentVoided";
  checkout_id id;
  payment_id payment;
  bool operator==(const checkout_payment_voided&) const = default;
};

struct checkout_completed {
  static constexpr std::string_view type_name = "CheckoutCompleted";
  checkout_id id;
  checkout_outcome outcome = checkout_outcome::confirmed;
  bool operator==(const checkout_completed&) const = default;
};

struct checkout_stock_reserved {
  static constexpr std::string_view type_name = "CheckoutStockReserved";
  checkout_id id;
  product_id product;
  quantity qty;
  bool operator==(const checkout_stock_reserved&) const = default;
};

struct checkout_stock_reservation_failed {
  static constexpr std::string_view type_name = "CheckoutStockReservationFailed";
  checkout_id id;
  product_id product;
  domain_errc reason = domain_errc::none;
  std::string detail;
  bool operator==(const checkout_stock_reservation_failed&) const = default;
};

struct checkout_order_payment_authorized {
  static constexpr std::string_view type_name = "CheckoutOrderPaymentAuthorized";
  checkout_id id;
  order_id order;
  payment_id payment;
  bool operator==(const checkout_order_payment_authorized&) const = default;
};

struct checkout_payment_failed {
  static constexpr std::string_view type_name = "CheckoutPaymentFailed";
  checkout_id id;
  payment_id payment;
  payment_failure_reason reason = payment_failure_reason::unspecified;
  std::string detail;
  bool operator==(const checkout_payment_failed&) const = default;
};

struct checkout_compensation_started {
  static constexpr std::string_view type_name = "CheckoutCompensationStarted";
  checkout_id id;
  cancel_reason reason = cancel_reason::unspecified;
  std::string detail;
  bool operator==(const checkout_compensation_started&) const = default;
};

struct checkout_stock_released {
  static constexpr std::string_view type_name = "CheckoutStockReleased";
  checkout_id id;
  product_id product;
  quantity qty;
  bool operator==(const checkout_stock_released&) const = default;
};

struct checkout_order_cancelled {
  static constexpr std::string_view type_name = "CheckoutOrderCancelled";
  checkout_id id;
  order_id order;
  cancel_reason reason = cancel_reason::unspecified;
  bool operator==(const checkout_order_cancelled&) const = default;
};

using checkout_event =
    std::variant<checkout_started, checkout_order_placed, checkout_stock_reserved,
                 checkout_stock_reservation_failed, checkout_order_stock_reserved,
                 checkout_payment_authorized, checkout_payment_failed, checkout_order_payment_authorized,
                 checkout_order_confirmed, checkout_cart_checked_out, checkout_compensation_started,
                 checkout_stock_released, checkout_payment_voided, checkout_order_cancelled,
                 checkout_completed>;

// ---- rules ----------------------------------------------------------------------------

/// start: on an existing checkout → checkout_in_progress (or invalid_transition once
/// completed); empty ids → invalid_request; empty token → invalid_payment_token; lines as
/// check_lines. Any other command on a missing checkout → checkout_not_found. A record_*
/// command that is not the answer to next_step(state) → invalid_transition (a record for a
/// product or quantity other than the expected line's → invalid_request). A failure appends
/// its record plus CheckoutCompensationStarted; the batch finishing the last step ends with
/// CheckoutCompleted.
decision<checkout_event> decide(const checkout_state& state, const checkout_command& command);

checkout_state apply(checkout_state state, const checkout_event& event);
/// As apply, and records `committed_at_ns` in started_at_ns for CheckoutStarted.
checkout_state apply(checkout_state state, const checkout_event& event, std::int64_t committed_at_ns);

}  // namespace mercato::domain
