// Orders: the state machine exactly as in docs/product.md, checked over every (status, command).
#include <set>
#include <utility>

#include <mercato/domain/order.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;
using st = order_status;

namespace {

constexpr st all_statuses[] = {st::pending, st::stock_reserved, st::payment_authorized, st::confirmed,
                               st::shipped, st::delivered,      st::cancelled,          st::refunded};

order_line line(const char* product, std::uint32_t qty, std::int64_t unit_cents) {
  return *make_order_line(product_id{product}, product, qty, eur(unit_cents));
}

place_order placing(std::vector<order_line> lines = {line("p-1", 2, 500), line("p-2", 1, 250)}) {
  return place_order{order_id{"o-1"}, user_id{"u-1"}, cart_id{"cart-u-1"}, checkout_id{"c-1"},
                     std::move(lines)};
}

order_state placed() {
  order_state s;
  run(s, placing());
  return s;
}

/// The events that bring a placed order to `target` along the machine.
std::vector<order_event> path_to(st target) {
  const order_id id{"o-1"};
  if (target == st::cancelled)
    return {order_cancelled{id, cancel_reason::customer_requested, "", user_id{"u-1"}}};
  const std::vector<std::pair<st, order_event>> forward{
      {st::stock_reserved, order_stock_reserved{id}},
      {st::payment_authorized, order_payment_authorized{id, payment_id{"pay-1"}}},
      {st::confirmed, order_confirmed{id}},
      {st::shipped, order_shipped{id, "TRK", "DHL"}},
      {st::delivered, order_delivered{id}}};
  std::vector<order_event> path;
  if (target == st::pending) return path;
  const st until = target == st::refunded ? st::confirmed : target;
  for (const auto& [reached, e] : forward) {
    path.push_back(e);
    if (reached == until) break;
  }
  if (target == st::refunded) path.push_back(order_refunded{id, eur(100), "", {}, {}});
  return path;
}

order_state in_status(st target) {
  auto s = fold(placed(), path_to(target));
  REQUIRE(s.status == target);
  return s;
}

std::vector<order_command> every_transition_command() {
  return {mark_order_stock_reserved{},
          mark_order_payment_authorized{payment_id{"pay-1"}},
          confirm_order{},
          ship_order{"TRK-1", "DHL"},
          deliver_order{},
          cancel_order{cancel_reason::customer_requested, "changed my mind", user_id{"u-1"}},
          refund_order{eur(100), "broken", payment_id{"pay-1"}, refund_id{"r-1"}}};
}

/// The table of docs/product.md, written out independently of the implementation.
const std::set<std::pair<st, st>> allowed{
    {st::pending, st::stock_reserved},
    {st::stock_reserved, st::payment_authorized},
    {st::payment_authorized, st::confirmed},
    {st::confirmed, st::shipped},
    {st::shipped, st::delivered},
    {st::pending, st::cancelled},
    {st::stock_reserved, st::cancelled},
    {st::payment_authorized, st::cancelled},
    {st::confirmed, st::cancelled},
    {st::confirmed, st::refunded},
    {st::shipped, st::refunded},
    {st::delivered, st::refunded},
};

}  // namespace

TEST_CASE("place: a pending order with its lines and computed total") {
  order_state s;
  const auto e = only<order_placed>(run(s, placing()));
  CHECK(e.total == eur(1250));
  CHECK(s.status == st::pending);
  CHECK(s.total == eur(1250));
  CHECK(s.refunded == eur(0));
  CHECK(s.lines.size() == 2);
  CHECK(s.user_id == user_id{"u-1"});
}

TEST_CASE("place refusals") {
  CHECK(refused(order_state{}, placing({})) == domain_errc::cart_empty);
  auto bad_total = line("p-1", 2, 500);
  bad_total.line_total = eur(999);
  CHECK(refused(order_state{}, placing({bad_total})) == domain_errc::invalid_request);
  auto dollars = *make_order_line(product_id{"p-2"}, "x", 1, usd(100));
  CHECK(refused(order_state{}, placing({line("p-1", 1, 1), dollars})) == domain_errc::currency_mismatch);
  CHECK(refused(order_state{}, placing({line("p-1", 1, 1), line("p-1", 2, 1)})) ==
        domain_errc::invalid_request);
  CHECK(refused(order_state{}, placing({line("p-1", 0, 1)})) == domain_errc::quantity_out_of_range);
  CHECK(refused(order_state{}, placing({line("p-1", 1, -1)})) == domain_errc::invalid_price);
  auto no_id = placing();
  no_id.order_id = order_id{};
  CHECK(refused(order_state{}, no_id) == domain_errc::invalid_request);
}

TEST_CASE("the machine matches the SPEC's table") {
  for (st from : all_statuses)
    for (st to : all_statuses) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      CHECK(transition_allowed(from, to) == (allowed.count({from, to}) == 1));
    }
}

TEST_CASE("every (status, command) pair: exactly the allowed ones succeed") {
  int successes = 0;
  for (st from : all_statuses)
    for (const auto& command : every_transition_command()) {
      const auto to = target_status(command);
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      const auto s = in_status(from);
      auto d = decide(s, command);
      if (allowed.count({from, to})) {
        REQUIRE(d.has_value());
        CHECK(d->size() == 1);
        CHECK(fold(s, *d).status == to);
        ++successes;
      } else {
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error().code == domain_errc::invalid_transition);
        CHECK(d.error().message.find(std::string(to_string(from))) != std::string::npos);
        CHECK(d.error().message.find(std::string(to_string(to))) != std::string::npos);
      }
    }
  CHECK(successes == static_cast<int>(allowed.size()));
}

TEST_CASE("placing over an existing order is an invalid transition") {
  for (st from : all_statuses) {
    CAPTURE(to_string(from));
    CHECK(refused(in_status(from), placing()) == domain_errc::invalid_transition);
  }
}

TEST_CASE("commands on a missing order") {
  for (const auto& command : every_transition_command())
    CHECK(refused(order_state{}, command) == domain_errc::order_not_found);
}

TEST_CASE("status changes keep their details") {
  auto s = in_status(st::stock_reserved);
  run(s, mark_order_payment_authorized{payment_id{"pay-9"}});
  CHECK(s.payment_id == payment_id{"pay-9"});
  CHECK(refused(in_status(st::stock_reserved), mark_order_payment_authorized{}) ==
        domain_errc::invalid_request);
  s = in_status(st::confirmed);
  run(s, ship_order{"TRK-7", "UPS"});
  CHECK(s.tracking == "TRK-7");
  CHECK(s.carrier == "UPS");
  s = in_status(st::payment_authorized);
  run(s, cancel_order{cancel_reason::payment_failed, "declined", user_id{}});
  CHECK(s.cancel_reason == cancel_reason::payment_failed);
  CHECK(s.cancel_detail == "declined");
}

TEST_CASE("refund records the money returned, never more than the total") {
  const auto confirmed = in_status(st::confirmed);
  CHECK(refused(confirmed, refund_order{eur(0), "", {}, {}}) == domain_errc::invalid_request);
  CHECK(refused(confirmed, refund_order{eur(-5), "", {}, {}}) == domain_errc::invalid_request);
  CHECK(refused(confirmed, refund_order{usd(5), "", {}, {}}) == domain_errc::currency_mismatch);
  CHECK(refused(confirmed, refund_order{eur(1251), "", {}, {}}) == domain_errc::refund_exceeds_captured);
  auto s = confirmed;
  const auto e = only<order_refunded>(
      run(s, refund_order{eur(1250), "all of it", payment_id{"pay-1"}, refund_id{"r-1"}}));
  CHECK(e.refund_id == refund_id{"r-1"});
  CHECK(s.status == st::refunded);
  CHECK(s.refunded == eur(1250));
}

TEST_CASE("commit times: placed_at once, updated_at on every change") {
  order_state s;
  s = apply(s, order_event{only<order_placed>(*decide(s, placing()))}, 100);
  s = apply(s, order_event{order_stock_reserved{s.order_id}}, 200);
  CHECK(s.placed_at_ns == 100);
  CHECK(s.updated_at_ns == 200);
}
