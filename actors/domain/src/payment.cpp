// Payment rules.
#include <algorithm>

#include <mercato/domain/payment.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using detail::events;
using payment_decision = decision<payment_event>;
using ps = payment_status;

domain_error wrong_status(const payment_state& s, std::string_view action) {
  return {domain_errc::invalid_transition, "payment " + s.payment_id.value() + " is " +
                                               std::string(to_string(s.status)) + "; cannot " +
                                               std::string(action)};
}

/// `amount` is positive and in `reference`'s currency.
mercato::status<domain_error> check_amount(const money& amount, const money& reference) {
  if (amount.minor_units <= 0) return refuse(domain_errc::invalid_request, "amount must be positive");
  if (amount.currency != reference.currency)
    return refuse(domain_errc::currency_mismatch,
                  "amount is not in " + std::string(reference.currency.code()));
  return mercato::ok;
}

payment_event answer_event(const authorize_payment& c) {
  return std::visit(detail::overloaded{
                        [&](const provider_approved& a) -> payment_event {
                          return payment_authorized{c.payment_id, c.order_id, c.amount, a.provider_reference};
                        },
                        [&](const provider_declined& d) -> payment_event {
                          return payment_authorization_failed{c.payment_id, c.order_id, d.reason, d.detail};
                        },
                    },
                    c.answer);
}

payment_decision do_authorize(const payment_state& s, const authorize_payment& c) {
  if (exists(s)) return mercato::fail(wrong_status(s, "authorize again"));
  if (c.payment_id.value().empty() || c.order_id.value().empty())
    return refuse(domain_errc::invalid_request, "paymentId and orderId are required");
  if (c.amount.minor_units < 0 || !c.amount.currency.valid())
    return refuse(domain_errc::invalid_request, "amount must be >= 0 with a currency");
  if (c.amount != c.order_total)
    return refuse(domain_errc::amount_mismatch,
                  "payment of " + format(c.amount) + " for an order of " + format(c.order_total));
  return events<payment_event>(payment_authorization_requested{c.payment_id, c.order_id, c.user_id, c.amount,
                                                               c.provider, c.card_brand, c.token_masked},
                               answer_event(c));
}

payment_decision do_capture(const payment_state& s, const capture_payment& c) {
  if (s.status != ps::authorized) return mercato::fail(wrong_status(s, "capture"));
  if (auto a = check_amount(c.amount, s.authorized); !a) return mercato::fail(a.error());
  if (c.amount.minor_units > s.authorized.minor_units)
    return refuse(domain_errc::capture_exceeds_authorized,
                  "capture of " + format(c.amount) + " exceeds the authorized " + format(s.authorized));
  return events<payment_event>(payment_captured{s.payment_id, s.order_id, c.amount, c.provider_reference});
}

payment_decision do_void(const payment_state& s, const void_payment& c) {
  if (s.status != ps::authorized) return mercato::fail(wrong_status(s, "void"));
  return events<payment_event>(payment_voided{s.payment_id, s.order_id, c.reason});
}

payment_decision do_refund(const payment_state& s, const refund_payment& c) {
  if (s.status != ps::captured && s.status != ps::partially_refunded && s.status != ps::refunded)
    return mercato::fail(wrong_status(s, "refund"));
  if (c.refund_id.value().empty()) return refuse(domain_errc::invalid_request, "refundId is required");
  if (auto a = check_amount(c.amount, s.captured); !a) return mercato::fail(a.error());
  if (const auto* earlier = refund_of(s, c.refund_id)) {
    if (earlier->amount == c.amount) return std::vector<payment_event>{};
    return refuse(domain_errc::invalid_request,
                  "refund " + c.refund_id.value() + " was recorded with another amount");
  }
  if (c.amount.minor_units > s.captured.minor_units - s.refunded.minor_units)
    return refuse(domain_errc::refund_exceeds_captured,
                  "refund of " + format(c.amount) + " exceeds what is left of the captured " +
                      format(s.captured) + " (refunded so far " + format(s.refunded) + ")");
  return events<payment_event>(
      payment_refunded{s.payment_id, s.order_id, c.amount, c.refund_id, c.provider_reference, c.reason});
}

void requested(payment_state& s, const payment_authorization_requested& e) {
  s = payment_state{};
  s.payment_id = e.payment_id;
  s.order_id = e.order_id;
  s.user_id = e.user_id;
  s.amount = e.amount;
  s.authorized = s.captured = s.refunded = money::zero(e.amount.currency);
  s.provider = e.provider;
  s.card_brand = e.card_brand;
  s.token_masked = e.token_masked;
}

void refunded(payment_state& s, const payment_refunded& e) {
  if (auto sum = add(s.refunded, e.amount)) s.refunded = *sum;  // decide bounded it by captured
  s.refunds.push_back({e.refund_id, e.amount, e.provider_reference});
  s.status = s.refunded.minor_units >= s.captured.minor_units ? ps::refunded : ps::partially_refunded;
}

}  // namespace

const refund_record* refund_of(const payment_state& s, const refund_id& refund) noexcept {
  auto it = std::find_if(s.refunds.begin(), s.refunds.end(),
                         [&](const refund_record& r) { return r.refund_id == refund; });
  return it == s.refunds.end() ? nullptr : &*it;
}

std::string mask_token(std::string_view token) {
  constexpr std::size_t tail = 4;
  if (token.size() <= tail) return std::string(token.size(), '*');
  return std::string(token.size() - tail, '*') + std::string(token.substr(token.size() - tail));
}

decision<payment_event> decide(const payment_state& state, const payment_command& command) {
  if (!std::holds_alternative<authorize_payment>(command) && !exists(state))
    return refuse(domain_errc::payment_not_found, "no such payment");
  return std::visit(detail::overloaded{
                        [&](const authorize_payment& c) { return do_authorize(state, c); },
                        [&](const capture_payment& c) { return do_capture(state, c); },
                        [&](const void_payment& c) { return do_void(state, c); },
                        [&](const refund_payment& c) { return do_refund(state, c); },
                    },
                    command);
}

payment_state apply(payment_state s, const payment_event& event, std::int64_t committed_at_ns) {
  (void)committed_at_ns;
  std::visit(detail::overloaded{
                 [&](const payment_authorization_requested& e) { requested(s, e); },
                 [&](const payment_authorized& e) {
                   s.status = ps::authorized;
                   s.authorized = e.amount;
                   s.provider_reference = e.provider_reference;
                 },
                 [&](const payment_authorization_failed& e) {
                   s.status = ps::authorization_failed;
                   s.failure_reason = e.reason;
                   s.failure_detail = e.detail;
                 },
                 [&](const payment_captured& e) {
                   s.status = ps::captured;
                   s.captured = e.amount;
                 },
                 [&](const payment_voided&) { s.status = ps::voided; },
                 [&](const payment_refunded& e) { refunded(s, e); },
             },
             event);
  return s;
}

domain_errc errc_of(payment_failure_reason reason) noexcept {
  switch (reason) {
    case payment_failure_reason::declined:
    case payment_failure_reason::expired_card:
      return domain_errc::payment_declined;
    case payment_failure_reason::insufficient_funds:
      return domain_errc::insufficient_funds;
    case payment_failure_reason::invalid_token:
      return domain_errc::invalid_payment_token;
    case payment_failure_reason::amount_mismatch:
      return domain_errc::amount_mismatch;
    case payment_failure_reason::unspecified:
    case payment_failure_reason::provider_error:
    case payment_failure_reason::provider_timeout:
      return domain_errc::payment_provider_error;
  }
  return domain_errc::payment_provider_error;
}

}  // namespace mercato::domain
