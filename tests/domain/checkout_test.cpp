// The checkout saga: forward path, every compensation, and resuming from any point.
#include <optional>

#include <mercato/domain/checkout.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;
using ca = checkout_action;

namespace {

order_line line(const char* product, std::uint32_t qty) {
  return *make_order_line(product_id{product}, product, qty, eur(500));
}

start_checkout starting(std::vector<order_line> lines = {line("p-1", 1), line("p-2", 2), line("p-3", 3)}) {
  return start_checkout{checkout_id{"c-1"},  user_id{"u-1"},   cart_id{"cart-u-1"}, order_id{"o-1"},
                        payment_id{"pay-1"}, std::move(lines), "tok_visa"};
}

checkout_state started() {
  checkout_state s;
  run(s, starting());
  return s;
}

/// How the simulated entities answer each step.
struct script {
  std::optional<std::size_t> stock_fails_at;
  bool payment_declined = false;
  std::optional<ca> refused_step;  // answered with record_step_failed
};

checkout_command reserve_answer(const checkout_state& s, std::size_t i, const script& sc) {
  const auto& p = s.line_progress[i];
  if (sc.stock_fails_at == i)
    return record_stock_reservation_failed{p.product_id, domain_errc::insufficient_stock, "sold out"};
  return record_stock_reserved{p.product_id, p.quantity};
}

checkout_command answer(const checkout_state& s, checkout_next n, const script& sc) {
  if (sc.refused_step == n.action)
    return record_step_failed{{domain_errc::invalid_transition, "refused by the test"}};
  switch (n.action) {
    case ca::place_order:
      return record_order_placed{};
    case ca::reserve_line:
      return reserve_answer(s, n.line, sc);
    case ca::mark_order_stock_reserved:
      return record_order_stock_reserved{};
    case ca::authorize_payment:
      if (sc.payment_declined)
        return record_payment_failed{payment_failure_reason::declined, "card declined"};
      return record_payment_authorized{};
    case ca::mark_order_payment_authorized:
      return record_order_payment_authorized{};
    case ca::confirm_order:
      return record_order_confirmed{};
    case ca::mark_cart_checked_out:
      return record_cart_checked_out{};
    case ca::release_line:
      return record_stock_released{s.line_progress[n.line].product_id, s.line_progress[n.line].quantity};
    case ca::void_payment:
      return record_payment_voided{};
    case ca::cancel_order:
      return record_order_cancelled{};
    case ca::done:
      break;
  }
  FAIL("no answer for done");
  return record_order_placed{};
}

/// Runs the saga to its end like the runtime would; returns the actions taken.
using batch = std::vector<checkout_event>;  // what one command appended, atomically

std::vector<checkout_next> drive(checkout_state& s, const script& sc, std::vector<batch>* log = nullptr) {
  std::vector<checkout_next> steps;
  for (int guard = 0; guard < 100; ++guard) {
    const auto next = next_step(s);
    if (next.action == ca::done) return steps;
    steps.push_back(next);
    auto events = run(s, answer(s, next, sc));
    REQUIRE_FALSE(events.empty());
    if (log) log->push_back(events);
  }
  FAIL("the saga did not finish");
  return steps;
}

std::vector<ca> actions_of(const std::vector<checkout_next>& steps) {
  std::vector<ca> out;
  for (const auto& s : steps) out.push_back(s.action);
  return out;
}

}  // namespace

TEST_CASE("start records everything needed to finish or compensate") {
  checkout_state s;
  const auto e = only<checkout_started>(run(s, starting()));
  CHECK(e.total == eur(3000));
  CHECK(e.payment_token == "tok_visa");
  CHECK(s.step == checkout_step::placing_order);
  REQUIRE(s.line_progress.size() == 3);
  CHECK(s.line_progress[2].quantity == 3);
  CHECK(s.line_progress[2].state == line_stock_state::pending);
  CHECK(next_step(s) == checkout_next{ca::place_order});
}

TEST_CASE("start refusals") {
  CHECK(refused(started(), starting()) == domain_errc::checkout_in_progress);
  CHECK(refused(checkout_state{}, starting({})) == domain_errc::cart_empty);
  auto no_token = starting();
  no_token.payment_token.clear();
  CHECK(refused(checkout_state{}, no_token) == domain_errc::invalid_payment_token);
  auto no_payment = starting();
  no_payment.payment_id = payment_id{};
  CHECK(refused(checkout_state{}, no_payment) == domain_errc::invalid_request);
  auto s = started();
  drive(s, {});
  CHECK(refused(s, starting()) == domain_errc::invalid_transition);
}

TEST_CASE("records on a missing checkout") {
  CHECK(refused(checkout_state{}, record_order_placed{}) == domain_errc::checkout_not_found);
  CHECK(refused(checkout_state{}, record_payment_voided{}) == domain_errc::checkout_not_found);
  CHECK(next_step(checkout_state{}).action == ca::done);
}

TEST_CASE("forward path: every step in order, ending confirmed") {
  auto s = started();
  const auto steps = drive(s, {});
  CHECK(actions_of(steps) == std::vector<ca>{ca::place_order, ca::reserve_line, ca::reserve_line,
                                             ca::reserve_line, ca::mark_order_stock_reserved,
                                             ca::authorize_payment, ca::mark_order_payment_authorized,
                                             ca::confirm_order, ca::mark_cart_checked_out});
  CHECK(steps[1].line == 0);
  CHECK(steps[3].line == 2);
  CHECK(s.step == checkout_step::completed);
  CHECK(s.outcome == checkout_outcome::confirmed);
  CHECK(s.order_confirmed);
  CHECK(s.cart_checked_out);
  CHECK_FALSE(s.order_cancelled);
}

TEST_CASE("the coarse step follows the progress") {
  auto s = started();
  CHECK(s.step == checkout_step::placing_order);
  run(s, record_order_placed{});
  CHECK(s.step == checkout_step::reserving_stock);
  for (std::size_t i = 0; i < 3; ++i)
    run(s, record_stock_reserved{s.line_progress[i].product_id, s.line_progress[i].quantity});
  CHECK(s.step == checkout_step::reserving_stock);
  run(s, record_order_stock_reserved{});
  CHECK(s.step == checkout_step::authorizing_payment);
  run(s, record_payment_authorized{});
  run(s, record_order_payment_authorized{});
  CHECK(s.step == checkout_step::confirming_order);
}

TEST_CASE("the last step's batch completes the checkout") {
  auto s = started();
  std::vector<batch> log;
  drive(s, {}, &log);
  REQUIRE(log.back().size() == 2);
  CHECK(std::holds_alternative<checkout_cart_checked_out>(log.back()[0]));
  CHECK(std::get<checkout_completed>(log.back()[1]).outcome == checkout_outcome::confirmed);
}

TEST_CASE("out of stock on a line: release the lines reserved before it, cancel the order") {
  auto s = started();
  const auto steps = drive(s, script{1, false, {}});
  CHECK(actions_of(steps) == std::vector<ca>{ca::place_order, ca::reserve_line, ca::reserve_line,
                                             ca::release_line, ca::cancel_order});
  CHECK(steps[3].line == 0);
  CHECK(s.outcome == checkout_outcome::compensated);
  CHECK(s.compensation_reason == cancel_reason::stock_unavailable);
  CHECK(s.compensation_detail.find("p-2") != std::string::npos);
  CHECK(s.line_progress[0].state == line_stock_state::released);
  CHECK(s.line_progress[1].state == line_stock_state::failed);
  CHECK(s.line_progress[1].failure_reason == domain_errc::insufficient_stock);
  CHECK(s.line_progress[2].state == line_stock_state::pending);
  CHECK_FALSE(s.payment_voided);
  CHECK(s.order_cancelled);
}

TEST_CASE("out of stock on the first line: only the order is cancelled") {
  auto s = started();
  const auto steps = drive(s, script{0, false, {}});
  CHECK(actions_of(steps) == std::vector<ca>{ca::place_order, ca::reserve_line, ca::cancel_order});
  CHECK(s.outcome == checkout_outcome::compensated);
}

TEST_CASE("payment declined: release every line, nothing to void, cancel the order") {
  auto s = started();
  const auto steps = drive(s, script{std::nullopt, true, {}});
  CHECK(actions_of(steps) == std::vector<ca>{ca::place_order, ca::reserve_line, ca::reserve_line,
                                             ca::reserve_line, ca::mark_order_stock_reserved,
                                             ca::authorize_payment, ca::release_line, ca::release_line,
                                             ca::release_line, ca::cancel_order});
  CHECK(s.compensation_reason == cancel_reason::payment_failed);
  CHECK(s.compensation_detail == "card declined");
  CHECK_FALSE(s.payment_voided);
  CHECK(s.outcome == checkout_outcome::compensated);
}

TEST_CASE("a refused confirmation: release, void the authorization, cancel") {
  auto s = started();
  const auto steps = drive(s, script{std::nullopt, false, ca::confirm_order});
  CHECK(actions_of(steps) == std::vector<ca>{ca::place_order, ca::reserve_line, ca::reserve_line,
                                             ca::reserve_line, ca::mark_order_stock_reserved,
                                             ca::authorize_payment, ca::mark_order_payment_authorized,
                                             ca::confirm_order, ca::release_line, ca::release_line,
                                             ca::release_line, ca::void_payment, ca::cancel_order});
  CHECK(s.compensation_reason == cancel_reason::checkout_failed);
  CHECK(s.compensation_detail.find("invalidTransition") != std::string::npos);
  CHECK(s.payment_voided);
  CHECK(s.outcome == checkout_outcome::compensated);
}

TEST_CASE("a refused order placement compensates with nothing to undo, in one batch") {
  auto s = started();
  const auto events = run(s, record_step_failed{{domain_errc::invalid_request, "bad"}});
  REQUIRE(events.size() == 2);
  CHECK(std::holds_alternative<checkout_compensation_started>(events[0]));
  CHECK(std::get<checkout_completed>(events[1]).outcome == checkout_outcome::compensated);
  CHECK(next_step(s).action == ca::done);
}

TEST_CASE("every forward step can fail and always ends compensated") {
  for (ca failing : {ca::place_order, ca::reserve_line, ca::mark_order_stock_reserved, ca::authorize_payment,
                     ca::mark_order_payment_authorized, ca::confirm_order}) {
    CAPTURE(to_string(failing));
    auto s = started();
    drive(s, script{std::nullopt, false, failing});
    CHECK(s.step == checkout_step::completed);
    CHECK(s.outcome == checkout_outcome::compensated);
    for (const auto& p : s.line_progress) CHECK(p.state != line_stock_state::reserved);
    CHECK(s.payment_voided == s.payment_authorized);
    CHECK(s.order_cancelled == s.order_placed);
  }
}

TEST_CASE("answers that are not for the awaited step are refused") {
  auto s = started();
  CHECK(refused(s, record_order_confirmed{}) == domain_errc::invalid_transition);
  CHECK(refused(s, record_stock_reserved{product_id{"p-1"}, 1}) == domain_errc::invalid_transition);
  CHECK(refused(s, record_payment_voided{}) == domain_errc::invalid_transition);
  run(s, record_order_placed{});
  CHECK(refused(s, record_order_placed{}) == domain_errc::invalid_transition);
  CHECK(refused(s, record_stock_reserved{product_id{"p-2"}, 2}) == domain_errc::invalid_request);
  CHECK(refused(s, record_stock_reserved{product_id{"p-1"}, 5}) == domain_errc::invalid_request);
  CHECK(refused(s, record_stock_reservation_failed{product_id{"p-3"}, domain_errc::insufficient_stock, ""}) ==
        domain_errc::invalid_request);
  CHECK(refused(s, record_payment_failed{}) == domain_errc::invalid_transition);
  CHECK(refused(s, record_stock_released{product_id{"p-1"}, 1}) == domain_errc::invalid_transition);
}

TEST_CASE("after confirmation nothing can fail; during compensation nothing can fail twice") {
  auto s = started();
  for (int i = 0; i < 8; ++i) run(s, answer(s, next_step(s), {}));
  REQUIRE(next_step(s).action == ca::mark_cart_checked_out);
  CHECK(refused(s, record_step_failed{{domain_errc::cart_empty, ""}}) == domain_errc::invalid_transition);
  auto t = started();
  run(t, record_order_placed{});
  run(t, record_stock_reserved{product_id{"p-1"}, 1});
  run(t, record_stock_reservation_failed{product_id{"p-2"}, domain_errc::product_inactive, ""});
  CHECK(t.step == checkout_step::compensating);
  CHECK(refused(t, record_step_failed{{domain_errc::invalid_request, ""}}) ==
        domain_errc::invalid_transition);
  CHECK(refused(t, record_stock_reserved{product_id{"p-3"}, 3}) == domain_errc::invalid_transition);
}

TEST_CASE("after a crash at any point the saga resumes from its state alone") {
  const std::vector<script> scripts{
      {}, {1, false, {}}, {std::nullopt, true, {}}, {std::nullopt, false, ca::confirm_order}};
  for (const auto& sc : scripts) {
    checkout_state full;
    std::vector<batch> log{run(full, starting())};
    drive(full, sc, &log);
    for (std::size_t cut = 1; cut <= log.size(); ++cut) {
      CAPTURE(cut);
      // the process died after `cut` batches were durable: rebuild from them and carry on
      checkout_state resumed;
      for (std::size_t b = 0; b < cut; ++b) resumed = fold(resumed, log[b]);
      if (resumed.step != checkout_step::completed) CHECK(next_step(resumed).action != ca::done);
      drive(resumed, sc);
      CHECK(resumed == full);
    }
  }
}

TEST_CASE("idempotency keys name the checkout, the action and the line") {
  const auto s = started();
  CHECK(step_key(s, {ca::place_order}) == "c-1/place_order");
  CHECK(step_key(s, {ca::reserve_line, 2}) == "c-1/reserve_line/2");
  CHECK(step_key(s, {ca::release_line, 0}) != step_key(s, {ca::reserve_line, 0}));
  CHECK(step_key(s, {ca::reserve_line, 1}) == step_key(started(), {ca::reserve_line, 1}));
}

TEST_CASE("the commands the steps send") {
  auto s = started();
  const auto place = place_order_for(s);
  CHECK(place.order_id == order_id{"o-1"});
  CHECK(place.checkout_id == checkout_id{"c-1"});
  CHECK(place.lines == s.lines);
  const auto reserve = reserve_line_for(s, 2);
  CHECK(reserve.order_id == order_id{"o-1"});
  CHECK(reserve.quantity == 3);
  run(s, record_step_failed{{domain_errc::invalid_request, "x"}});
  CHECK(release_line_for(s, 0).reason == cancel_reason::checkout_failed);
  CHECK(cancel_order_for(s).reason == cancel_reason::checkout_failed);
  CHECK(cancel_order_for(s).cancelled_by.value().empty());
}

TEST_CASE("started_at comes from the commit time") {
  checkout_state s;
  const auto events = *decide(s, starting());
  s = apply(s, events.front(), 42);
  CHECK(s.started_at_ns == 42);
}
