// Saga crash test: a child runs checkouts and is killed with SIGKILL 22 times — a third of
// the kills at a random moment of its setup (store open, resuming open checkouts, products,
// users), the others once it has seen its next 1–20 checkouts end, with up to 8 others
// mid-saga; every restart resumes what was open. At the end every checkout that ever
// started has ended confirmed or compensated, every outcome the child saw is the final
// one, and stock, orders and payments agree. The work is bounded by what the child
// reports, never by time.
#include <signal.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <mercato/eventstore/subscription.hpp>

#include "engine_fixture.hpp"
#include "process.hpp"
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;

namespace {

/// What a child has said so far: READY, and the checkouts it saw end (id → outcome).
struct child_report {
  bool ready = false;
  std::map<std::string, std::string> ended;
};

child_report report_of(const std::string& output) {
  child_report r;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // a line cut short by the kill
    if (line == "READY") r.ready = true;
    std::istringstream words(line);
    std::string word, id, outcome;
    if (words >> word >> id >> outcome && word == "END") r.ended[id] = outcome;
  }
  return r;
}

}  // namespace

TEST_CASE("checkouts killed at any step end confirmed or compensated, consistently") {
  temp_dir dir;
  const auto data = dir / "data";
  std::mt19937 rng(std::random_device{}());
  constexpr int kills = 22;
  std::map<std::string, std::string> seen_ended;  // every checkout a child saw end
  std::size_t waited_for = 0;
  int setup_kills = 0;
  std::chrono::nanoseconds setup_took{0};  // from start to READY, the last time it was seen
  for (int k = 0; k < kills; ++k) {
    const auto started = std::chrono::steady_clock::now();
    process child(SAGA_CHILD_PATH, {data.string()}, {}, dir / "child.log");
    child_report said;
    std::optional<std::chrono::nanoseconds> ready_after;
    // Reads what the child has said; true when it has exited (by itself: a failure).
    auto look = [&] {
      said = report_of(child.output());
      if (said.ready && !ready_after) ready_after = std::chrono::steady_clock::now() - started;
      return !child.running();
    };
    if (k > 0 && rng() % 3 == 0) {
      // At a random moment of the setup (within the time the last one took), or as soon as
      // it is READY when it is quicker this time.
      ++setup_kills;
      const auto at = std::chrono::nanoseconds(
          static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(setup_took.count() + 1)));
      (void)wait_until([&] { return look() || said.ready; },
                       std::chrono::duration_cast<std::chrono::milliseconds>(at), 1ms);
    } else {
      const std::size_t target = 1 + rng() % 20;
      const bool reached = wait_until([&] { return look() || said.ended.size() >= target; });
      CHECK_MESSAGE(reached, "kill " << k << ": the child saw " << said.ended.size() << " of " << target
                                     << " checkouts end\n"
                                     << child.output());
      waited_for += target;
    }
    if (ready_after) setup_took = *ready_after;
    child.signal(SIGKILL);
    auto code = child.wait(30s);
    REQUIRE(code);
    REQUIRE_MESSAGE(*code == 128 + SIGKILL, child.output());
    said = report_of(child.output());
    for (const auto& [id, outcome] : said.ended) {
      auto [it, first] = seen_ended.emplace(id, outcome);
      CHECK_MESSAGE((first || it->second == outcome), "checkout " << id << " ended twice, differently");
    }
  }
  REQUIRE(seen_ended.size() >= waited_for);

  // Restart once more and let every open checkout finish.
  es::store_options so;
  so.data_dir = data;
  so.shard_count = 8;
  auto store = es::event_store::open(so);
  REQUIRE(store);
  actors::engine_options eo;
  auto e = actors::engine::start(**store, eo);
  REQUIRE(e);
  auto open_count = [&] {
    int n = 0;
    REQUIRE((*store)->scan_projection("runtime/open-checkouts/", "runtime/open-checkouts0",
                                      [&](std::string_view, std::string_view) { return ++n, true; }));
    return n;
  };
  int still_open = 0;
  REQUIRE_MESSAGE(wait_until([&] { return (still_open = open_count()) == 0; }, patience, 20ms),
                  still_open << " checkouts still open");

  // Every checkout stream in the log.
  std::set<std::string> checkouts;
  auto reader = (*store)->read_all(es::global_position{0});
  REQUIRE(reader);
  for (;;) {
    auto page = (*reader)->next(4096);
    REQUIRE(page);
    if (page->empty()) break;
    for (const auto& ev : *page)
      if (ev.stream.rfind("checkout/", 0) == 0) checkouts.insert(ev.stream.substr(9));
  }
  REQUIRE(checkouts.size() >= seen_ended.size());

  auto get = [&](auto id) {
    using S = std::conditional_t<
        std::is_same_v<decltype(id), domain::checkout_id>, domain::checkout_state,
        std::conditional_t<std::is_same_v<decltype(id), domain::order_id>, domain::order_state,
                           std::conditional_t<std::is_same_v<decltype(id), domain::payment_id>,
                                              domain::payment_state, domain::product_state>>>;
    auto r = actors::await<S>([&](auto done) { (*e)->get(id, done); });
    REQUIRE(r);
    return r->state;
  };
  std::map<std::string, domain::product_state> products;
  for (int p = 0; p < 5; ++p)
    products["p" + std::to_string(p)] = get(domain::product_id{"p" + std::to_string(p)});

  int confirmed = 0, compensated = 0;
  std::size_t outcomes_checked = 0;
  for (const auto& id : checkouts) {
    const auto c = get(domain::checkout_id{id});
    REQUIRE_MESSAGE(c.step == domain::checkout_step::completed, "checkout " << id << " did not end");
    if (auto seen = seen_ended.find(id); seen != seen_ended.end()) {
      CHECK_MESSAGE(
          seen->second == (c.outcome == domain::checkout_outcome::confirmed ? "confirmed" : "compensated"),
          "checkout " << id << " ended " << seen->second << " but is not that now");
      ++outcomes_checked;
    }
    const auto order = get(c.order_id);
    const auto payment = get(c.payment_id);
    if (c.outcome == domain::checkout_outcome::confirmed) {
      ++confirmed;
      CHECK(order.status == domain::order_status::confirmed);
      CHECK(payment.status == domain::payment_status::authorized);
      for (const auto& line : c.lines) {
        const auto* r = domain::reservation_of(products[line.product_id.value()], c.order_id);
        REQUIRE_MESSAGE(r != nullptr, "confirmed order " << c.order_id.value() << " lost its reservation");
        CHECK(r->quantity == line.quantity);
      }
    } else {
      ++compensated;
      if (order.order_id.value().size() > 0) CHECK(order.status == domain::order_status::cancelled);
      CHECK(payment.status != domain::payment_status::authorized);
      for (const auto& line : c.lines)
        CHECK_MESSAGE(domain::reservation_of(products[line.product_id.value()], c.order_id) == nullptr,
                      "compensated order " << c.order_id.value() << " still holds stock");
    }
  }
  // Stock is conserved: every unit is free, reserved by a confirmed order, or sold.
  for (const auto& [id, p] : products) {
    std::uint64_t reserved = 0;
    for (const auto& r : p.reservations) reserved += r.quantity;
    CHECK_MESSAGE(p.stock + reserved + p.sold == 1000, id);
  }
  MESSAGE(checkouts.size() << " checkouts over " << kills << " kills (" << setup_kills
                           << " during setup): " << confirmed << " confirmed, " << compensated
                           << " compensated; " << seen_ended.size() << " seen ending by the child");
  // Every outcome the child saw is in the log, unchanged.
  CHECK(outcomes_checked == seen_ended.size());
  const auto seen_confirmed = std::count_if(seen_ended.begin(), seen_ended.end(),
                                            [](const auto& ended) { return ended.second == "confirmed"; });
  CHECK(confirmed >= seen_confirmed);
}
