// Order rules: the status machine and what each transition needs.
#include <mercato/domain/order.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using detail::events;
using order_decision = decision<order_event>;
using st = order_status;

domain_error invalid(const order_state& s, order_status to) {
  return {domain_errc::invalid_transition, "order " + s.order_id.value() + ": cannot go from " +
                                               std::string(to_string(s.status)) + " to " +
                                               std::string(to_string(to))};
}

order_decision do_place(const order_state& s, const place_order& c) {
  if (exists(s)) return mercato::fail(invalid(s, st::pending));
  if (c.order_id.value().empty() || c.user_id.value().empty())
    return refuse(domain_errc::invalid_request, "orderId and userId are required");
  auto total = check_lines(c.lines);
  if (!total) return mercato::fail(total.error());
  return events<order_event>(order_placed{c.order_id, c.user_id, c.cart_id, c.checkout_id, c.lines, *total});
}

order_decision do_refund(const order_state& s, const refund_order& c) {
  if (c.amount.minor_units <= 0)
    return refuse(domain_errc::invalid_request, "refund amount must be positive");
  auto left = subtract(s.total, s.refunded);
  if (!left) return mercato::fail(left.error());
  auto order = compare(c.amount, *left);
  if (!order) return mercato::fail(order.error());
  if (*order > 0)
    return refuse(domain_errc::refund_exceeds_captured,
                  "refund of " + format(c.amount) + " exceeds the order total " + format(s.total));
  return events<order_event>(order_refunded{s.order_id, c.amount, c.reason, c.payment_id, c.refund_id});
}

/// Decides a command whose transition the machine allows, on an existing order.
order_decision decide_allowed(const order_state& s, const order_command& command) {
  return std::visit(
      detail::overloaded{
          [&](const place_order& c) { return do_place(s, c); },
          [&](const mark_order_stock_reserved&) {
            return events<order_event>(order_stock_reserved{s.order_id});
          },
          [&](const mark_order_payment_authorized& c) -> order_decision {
            if (c.payment_id.value().empty())
              return refuse(domain_errc::invalid_request, "paymentId is required");
            return events<order_event>(order_payment_authorized{s.order_id, c.payment_id});
          },
          [&](const confirm_order&) { return events<order_event>(order_confirmed{s.order_id}); },
          [&](const ship_order& c) {
            return events<order_event>(order_shipped{s.order_id, c.tracking, c.carrier});
          },
          [&](const deliver_order&) { return events<order_event>(order_delivered{s.order_id}); },
          [&](const cancel_order& c) {
            return events<order_event>(order_cancelled{s.order_id, c.reason, c.detail, c.cancelled_by});
          },
          [&](const refund_order& c) { return do_refund(s, c); },
      },
      command);
}

void place(order_state& s, const order_placed& e) {
  s = order_state{};
  s.order_id = e.order_id;
  s.user_id = e.user_id;
  s.cart_id = e.cart_id;
  s.checkout_id = e.checkout_id;
  s.lines = e.lines;
  s.total = e.total;
  s.refunded = money::zero(e.total.currency);
}

}  // namespace

bool transition_allowed(order_status from, order_status to) noexcept {
  switch (to) {
    case st::pending:
      return false;  // only by placing a new order
    case st::stock_reserved:
      return from == st::pending;
    case st::payment_authorized:
      return from == st::stock_reserved;
    case st::confirmed:
      return from == st::payment_authorized;
    case st::shipped:
      return from == st::confirmed;
    case st::delivered:
      return from == st::shipped;
    case st::cancelled:
      return from == st::pending || from == st::stock_reserved || from == st::payment_authorized ||
             from == st::confirmed;
    case st::refunded:
      return from == st::confirmed || from == st::shipped || from == st::delivered;
  }
  return false;
}

order_status target_status(const order_command& command) noexcept {
  return std::visit(detail::overloaded{
                        [](const place_order&) { return st::pending; },
                        [](const mark_order_stock_reserved&) { return st::stock_reserved; },
                        [](const mark_order_payment_authorized&) { return st::payment_authorized; },
                        [](const confirm_order&) { return st::confirmed; },
                        [](const ship_order&) { return st::shipped; },
                        [](const deliver_order&) { return st::delivered; },
                        [](const cancel_order&) { return st::cancelled; },
                        [](const refund_order&) { return st::refunded; },
                    },
                    command);
}

decision<order_event> decide(const order_state& state, const order_command& command) {
  const bool placing = std::holds_alternative<place_order>(command);
  if (!placing && !exists(state)) return refuse(domain_errc::order_not_found, "no such order");
  const auto to = target_status(command);
  if (!placing && !transition_allowed(state.status, to)) return mercato::fail(invalid(state, to));
  return decide_allowed(state, command);
}

order_state apply(order_state s, const order_event& event, std::int64_t committed_at_ns) {
  std::visit(detail::overloaded{
                 [&](const order_placed& e) { place(s, e); },
                 [&](const order_stock_reserved&) { s.status = st::stock_reserved; },
                 [&](const order_payment_authorized& e) {
                   s.status = st::payment_authorized;
                   s.payment_id = e.payment_id;
                 },
                 [&](const order_confirmed&) { s.status = st::confirmed; },
                 [&](const order_shipped& e) {
                   s.status = st::shipped;
                   s.tracking = e.tracking;
                   s.carrier = e.carrier;
                 },
                 [&](const order_delivered&) { s.status = st::delivered; },
                 [&](const order_cancelled& e) {
                   s.status = st::cancelled;
                   s.cancel_reason = e.reason;
                   s.cancel_detail = e.detail;
                 },
                 [&](const order_refunded& e) {
                   s.status = st::refunded;
                   // decide checked currency and range; the fold keeps the sum it can.
                   if (auto sum = add(s.refunded, e.amount)) s.refunded = *sum;
                 },
             },
             event);
  if (std::holds_alternative<order_placed>(event)) s.placed_at_ns = committed_at_ns;
  s.updated_at_ns = committed_at_ns;
  return s;
}

}  // namespace mercato::domain
