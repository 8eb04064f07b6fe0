// Saga crash test: a child runs checkouts and is killed with SIGKILL at random moments
// (at least 20 times); every restart resumes what was open. At the end every checkout that
// ever started has ended confirmed or compensated, and stock, orders and payments agree.
#include <signal.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include <mercato/eventstore/subscription.hpp>

#include "engine_fixture.hpp"
#include "process.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;

TEST_CASE("checkouts killed at any step end confirmed or compensated, consistently") {
  temp_dir dir;
  const auto data = dir / "data";
  std::mt19937 rng(std::random_device{}());
  constexpr int kills = 22;
  for (int k = 0; k < kills; ++k) {
    process child(SAGA_CHILD_PATH, {data.string()}, {}, dir / "child.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
    child.signal(SIGKILL);
    auto code = child.wait(30s);
    REQUIRE(code);
    REQUIRE_MESSAGE(*code == 128 + SIGKILL, child.output());
  }

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
  for (int i = 0; i < 600 && open_count() > 0; ++i) std::this_thread::sleep_for(100ms);
  REQUIRE(open_count() == 0);

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
  REQUIRE(checkouts.size() > 0);

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
  for (const auto& id : checkouts) {
    const auto c = get(domain::checkout_id{id});
    REQUIRE_MESSAGE(c.step == domain::checkout_step::completed, "checkout " << id << " did not end");
    const auto order = get(c.order);
    const auto payment = get(c.payment);
    if (c.outcome == domain::checkout_outcome::confirmed) {
      ++confirmed;
      CHECK(order.status == domain::order_status::confirmed);
      CHECK(payment.status == domain::payment_status::authorized);
      for (const auto& line : c.lines) {
        const auto* r = products[line.product.value()].reservation_of(c.order);
        REQUIRE_MESSAGE(r != nullptr, "confirmed order " << c.order.value() << " lost its reservation");
        CHECK(r->qty == line.qty);
      }
    } else {
      ++compensated;
      if (order.id.value().size() > 0) CHECK(order.status == domain::order_status::cancelled);
      CHECK(payment.status != domain::payment_status::authorized);
      for (const auto& line : c.lines)
        CHECK_MESSAGE(products[line.product.value()].reservation_of(c.order) == nullptr,
                      "compensated order " << c.order.value() << " still holds stock");
    }
  }
  // Stock is conserved: every unit is free, reserved by a confirmed order, or sold.
  for (const auto& [id, p] : products) {
    std::uint64_t reserved = 0;
    for (const auto& r : p.reservations) reserved += r.qty.value();
    CHECK_MESSAGE(p.available + reserved + p.sold == 1000, id);
  }
  MESSAGE(checkouts.size() << " checkouts over " << kills << " kills: " << confirmed << " confirmed, "
                           << compensated << " compensated");
  CHECK(confirmed > 0);
}
