// The checkout saga: which step is next, and how each step's answer is recorded.
#include <array>
#include <optional>

#include <mercato/domain/checkout.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using detail::events;
using ca = checkout_action;
using events_or_error = mercato::result<std::vector<checkout_event>, domain_error>;

constexpr std::array<std::string_view, 11> action_names{
    "place_order",
    "reserve_line",
    "mark_order_stock_reserved",
    "authorize_payment",
    "mark_order_payment_authorized",
    "confirm_order",
    "mark_cart_checked_out",
    "release_line",
    "void_payment",
    "cancel_order",
    "done",
};

std::optional<checkout_next> forward_work(const checkout_state& s) {
  if (!s.order_placed) return checkout_next{ca::place_order};
  for (std::size_t i = 0; i < s.line_progress.size(); ++i)
    if (s.line_progress[i].state == line_stock_state::pending) return checkout_next{ca::reserve_line, i};
  if (!s.order_stock_reserved) return checkout_next{ca::mark_order_stock_reserved};
  if (!s.payment_authorized) return checkout_next{ca::authorize_payment};
  if (!s.order_payment_authorized) return checkout_next{ca::mark_order_payment_authorized};
  if (!s.order_confirmed) return checkout_next{ca::confirm_order};
  if (!s.cart_checked_out) return checkout_next{ca::mark_cart_checked_out};
  return std::nullopt;
}

std::optional<checkout_next> compensation_work(const checkout_state& s) {
  for (std::size_t i = 0; i < s.line_progress.size(); ++i)
    if (s.line_progress[i].state == line_stock_state::reserved) return checkout_next{ca::release_line, i};
  if (s.payment_authorized && !s.payment_voided) return checkout_next{ca::void_payment};
  if (s.order_placed && !s.order_cancelled) return checkout_next{ca::cancel_order};
  return std::nullopt;
}

/// What is left to do; nullopt when the checkout may complete (or has).
std::optional<checkout_next> remaining(const checkout_state& s) {
  switch (s.step) {
    case checkout_step::completed:
      return std::nullopt;
    case checkout_step::compensating:
      return compensation_work(s);
    case checkout_step::placing_order:
    case checkout_step::reserving_stock:
    case checkout_step::authorizing_payment:
    case checkout_step::confirming_order:
      return forward_work(s);
  }
  return std::nullopt;
}

checkout_step forward_step(const checkout_state& s) {
  const auto next = forward_work(s);
  if (!next) return checkout_step::confirming_order;
  switch (next->action) {
    case ca::place_order:
      return checkout_step::placing_order;
    case ca::reserve_line:
    case ca::mark_order_stock_reserved:
      return checkout_step::reserving_stock;
    case ca::authorize_payment:
    case ca::mark_order_payment_authorized:
      return checkout_step::authorizing_payment;
    default:
      return checkout_step::confirming_order;
  }
}

bool is_forward(ca a) noexcept {
  return a == ca::place_order || a == ca::reserve_line || a == ca::mark_order_stock_reserved ||
         a == ca::authorize_payment || a == ca::mark_order_payment_authorized || a == ca::confirm_order;
}

mercato::status<domain_error> expect(const checkout_state& s, bool matches) {
  if (matches) return mercato::ok;
  return refuse(domain_errc::invalid_transition, "checkout " + s.checkout_id.value() + " is waiting for " +
                                                     std::string(to_string(next_step(s).action)) +
                                                     ", not for this answer");
}

/// The line `next` points at, if it is `product` with `qty` (qty 0: any quantity).
mercato::status<domain_error> expect_line(const checkout_state& s, const checkout_next& next,
                                          const product_id& product, std::uint32_t qty) {
  const auto& p = s.line_progress[next.line];
  if (p.product_id != product)
    return refuse(domain_errc::invalid_request, "checkout " + s.checkout_id.value() + " expects product " +
                                                    p.product_id.value() + ", not " + product.value());
  if (qty != 0 && p.quantity != qty)
    return refuse(domain_errc::invalid_request, "quantity differs from the line's");
  return mercato::ok;
}

checkout_event compensate(const checkout_state& s, cancel_reason reason, std::string detail) {
  return checkout_compensation_started{s.checkout_id, reason, std::move(detail)};
}

events_or_error do_start(const checkout_state& s, const start_checkout& c) {
  if (s.step == checkout_step::completed && exists(s))
    return refuse(domain_errc::invalid_transition, "checkout " + s.checkout_id.value() + " is completed");
  if (exists(s))
    return refuse(domain_errc::checkout_in_progress, "checkout " + s.checkout_id.value() + " is running");
  if (c.checkout_id.value().empty() || c.user_id.value().empty() || c.cart_id.value().empty() ||
      c.order_id.value().empty() || c.payment_id.value().empty())
    return refuse(domain_errc::invalid_request, "checkout, user, cart, order and payment ids are required");
  if (c.payment_token.empty())
    return refuse(domain_errc::invalid_payment_token, "a payment token is required");
  auto total = check_lines(c.lines);
  if (!total) return mercato::fail(total.error());
  return events<checkout_event>(checkout_started{c.checkout_id, c.user_id, c.cart_id, c.order_id,
                                                 c.payment_id, c.lines, *total, c.payment_token});
}

/// A record whose only check is that it answers the expected action.
events_or_error simple(const checkout_state& s, ca expected, checkout_event e) {
  if (auto ok = expect(s, next_step(s).action == expected); !ok) return mercato::fail(ok.error());
  return events<checkout_event>(std::move(e));
}

events_or_error line_record(const checkout_state& s, ca expected, const product_id& product,
                            std::uint32_t qty, std::vector<checkout_event> evs) {
  const auto next = next_step(s);
  if (auto ok = expect(s, next.action == expected); !ok) return mercato::fail(ok.error());
  if (auto ok = expect_line(s, next, product, qty); !ok) return mercato::fail(ok.error());
  return evs;
}

events_or_error stock_failed(const checkout_state& s, const record_stock_reservation_failed& c) {
  std::string why = "product " + c.product_id.value() + ": " +
                    (c.detail.empty() ? std::string(wire_name(c.reason)) : c.detail);
  return line_record(s, ca::reserve_line, c.product_id, 0u,
                     {checkout_stock_reservation_failed{s.checkout_id, c.product_id, c.reason, c.detail},
                      compensate(s, cancel_reason::stock_unavailable, why)});
}

events_or_error payment_failed(const checkout_state& s, const record_payment_failed& c) {
  if (auto ok = expect(s, next_step(s).action == ca::authorize_payment); !ok)
    return mercato::fail(ok.error());
  std::string why = c.detail.empty() ? std::string(to_string(c.reason)) : c.detail;
  return events<checkout_event>(checkout_payment_failed{s.checkout_id, s.payment_id, c.reason, c.detail},
                                compensate(s, cancel_reason::payment_failed, why));
}

events_or_error step_failed(const checkout_state& s, const record_step_failed& c) {
  const bool forward = s.step != checkout_step::compensating && is_forward(next_step(s).action);
  if (auto ok = expect(s, forward); !ok) return mercato::fail(ok.error());
  return events<checkout_event>(compensate(
      s, cancel_reason::checkout_failed,
      std::string(wire_name(c.error.code)) + (c.error.message.empty() ? "" : ": " + c.error.message)));
}

events_or_error record(const checkout_state& s, const checkout_command& command) {
  return std::visit(
      detail::overloaded{
          [&](const start_checkout& c) { return do_start(s, c); },
          [&](const record_order_placed&) {
            return simple(s, ca::place_order, checkout_order_placed{s.checkout_id, s.order_id});
          },
          [&](const record_stock_reserved& c) {
            return line_record(s, ca::reserve_line, c.product_id, c.quantity,
                               {checkout_stock_reserved{s.checkout_id, c.product_id, c.quantity}});
          },
          [&](const record_stock_reservation_failed& c) { return stock_failed(s, c); },
          [&](const record_order_stock_reserved&) {
            return simple(s, ca::mark_order_stock_reserved,
                          checkout_order_stock_reserved{s.checkout_id, s.order_id});
          },
          [&](const record_payment_authorized&) {
            return simple(s, ca::authorize_payment, checkout_payment_authorized{s.checkout_id, s.payment_id});
          },
          [&](const record_payment_failed& c) { return payment_failed(s, c); },
          [&](const record_order_payment_authorized&) {
            return simple(s, ca::mark_order_payment_authorized,
                          checkout_order_payment_authorized{s.checkout_id, s.order_id, s.payment_id});
          },
          [&](const record_order_confirmed&) {
            return simple(s, ca::confirm_order, checkout_order_confirmed{s.checkout_id, s.order_id});
          },
          [&](const record_cart_checked_out&) {
            return simple(s, ca::mark_cart_checked_out, checkout_cart_checked_out{s.checkout_id, s.cart_id});
          },
          [&](const record_step_failed& c) { return step_failed(s, c); },
          [&](const record_stock_released& c) {
            return line_record(s, ca::release_line, c.product_id, c.quantity,
                               {checkout_stock_released{s.checkout_id, c.product_id, c.quantity}});
          },
          [&](const record_payment_voided&) {
            return simple(s, ca::void_payment, checkout_payment_voided{s.checkout_id, s.payment_id});
          },
          [&](const record_order_cancelled&) {
            return simple(s, ca::cancel_order,
                          checkout_order_cancelled{s.checkout_id, s.order_id, s.compensation_reason});
          },
      },
      command);
}

/// Appends CheckoutCompleted when `evs` leave nothing to do.
std::vector<checkout_event> finish(const checkout_state& s, std::vector<checkout_event> evs) {
  checkout_state after = s;
  for (const auto& e : evs) after = apply(std::move(after), e);
  if (after.step != checkout_step::completed && !remaining(after)) {
    const auto outcome = after.step == checkout_step::compensating ? checkout_outcome::compensated
                                                                   : checkout_outcome::confirmed;
    evs.emplace_back(checkout_completed{after.checkout_id, outcome});
  }
  return evs;
}

void start(checkout_state& s, const checkout_started& e) {
  s = checkout_state{};
  s.checkout_id = e.checkout_id;
  s.user_id = e.user_id;
  s.cart_id = e.cart_id;
  s.order_id = e.order_id;
  s.payment_id = e.payment_id;
  s.payment_token = e.payment_token;
  s.lines = e.lines;
  s.total = e.total;
  for (const auto& l : e.lines) s.line_progress.push_back({l.product_id, l.quantity});
}

void set_line(checkout_state& s, const product_id& p, line_stock_state st, domain_errc why) {
  for (auto& l : s.line_progress)
    if (l.product_id == p) {
      l.state = st;
      l.failure_reason = why;
    }
}

void fold(checkout_state& s, const checkout_event& event) {
  std::visit(detail::overloaded{
                 [&](const checkout_started& e) { start(s, e); },
                 [&](const checkout_order_placed&) { s.order_placed = true; },
                 [&](const checkout_stock_reserved& e) {
                   set_line(s, e.product_id, line_stock_state::reserved, domain_errc::none);
                 },
                 [&](const checkout_stock_reservation_failed& e) {
                   set_line(s, e.product_id, line_stock_state::failed, e.reason);
                 },
                 [&](const checkout_order_stock_reserved&) { s.order_stock_reserved = true; },
                 [&](const checkout_payment_authorized&) { s.payment_authorized = true; },
                 [&](const checkout_payment_failed&) {},
                 [&](const checkout_order_payment_authorized&) { s.order_payment_authorized = true; },
                 [&](const checkout_order_confirmed&) { s.order_confirmed = true; },
                 [&](const checkout_cart_checked_out&) { s.cart_checked_out = true; },
                 [&](const checkout_compensation_started& e) {
                   s.step = checkout_step::compensating;
                   s.compensation_reason = e.reason;
                   s.compensation_detail = e.detail;
                 },
                 [&](const checkout_stock_released& e) {
                   set_line(s, e.product_id, line_stock_state::released, domain_errc::none);
                 },
                 [&](const checkout_payment_voided&) { s.payment_voided = true; },
                 [&](const checkout_order_cancelled&) { s.order_cancelled = true; },
                 [&](const checkout_completed& e) {
                   s.step = checkout_step::completed;
                   s.outcome = e.outcome;
                 },
             },
             event);
}

}  // namespace

checkout_next next_step(const checkout_state& state) {
  if (!exists(state)) return {};
  return remaining(state).value_or(checkout_next{});
}

std::string_view to_string(checkout_action a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < action_names.size() ? action_names[i] : std::string_view{"unknown"};
}

std::string step_key(const checkout_state& state, const checkout_next& next) {
  std::string key = state.checkout_id.value() + "/" + std::string(to_string(next.action));
  if (next.action == ca::reserve_line || next.action == ca::release_line)
    key += "/" + std::to_string(next.line);
  return key;
}

place_order place_order_for(const checkout_state& s) {
  return place_order{s.order_id, s.user_id, s.cart_id, s.checkout_id, s.lines};
}

reserve_stock reserve_line_for(const checkout_state& s, std::size_t line) {
  return reserve_stock{s.order_id, static_cast<std::int64_t>(s.line_progress.at(line).quantity)};
}

release_reservation release_line_for(const checkout_state& s, std::size_t) {
  return release_reservation{s.order_id, s.compensation_reason, s.compensation_detail};
}

cancel_order cancel_order_for(const checkout_state& s) {
  return cancel_order{s.compensation_reason, s.compensation_detail, user_id{}};
}

decision<checkout_event> decide(const checkout_state& state, const checkout_command& command) {
  const bool starting = std::holds_alternative<start_checkout>(command);
  if (!starting && !exists(state)) return refuse(domain_errc::checkout_not_found, "no such checkout");
  auto evs = record(state, command);
  if (!evs) return mercato::fail(evs.error());
  return finish(state, std::move(*evs));
}

checkout_state apply(checkout_state s, const checkout_event& event, std::int64_t committed_at_ns) {
  fold(s, event);
  if (s.step != checkout_step::compensating && s.step != checkout_step::completed) s.step = forward_step(s);
  if (std::holds_alternative<checkout_started>(event)) s.started_at_ns = committed_at_ns;
  return s;
}

}  // namespace mercato::domain
