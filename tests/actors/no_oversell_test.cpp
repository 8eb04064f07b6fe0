// No oversell: 200 checkouts race for a product with 10 units. Exactly 10 are confirmed,
// every other one is compensated with the reason recorded, and stock is never negative
// (never more than 10 units accounted for) at any observed point.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine_fixture.hpp"
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;

TEST_CASE("200 concurrent checkouts for 10 units sell exactly 10") {
  engine_fixture f;
  f.create_product("scarce", 10);
  constexpr int buyers = 200;
  std::vector<domain::user_id> users;
  for (int i = 0; i < buyers; ++i) {
    auto u = f.register_user("buyer" + std::to_string(i) + "@example.com");
    REQUIRE(u);
    users.push_back(u->state.user_id);
    REQUIRE(f.add_to_cart(u->state.user_id, "scarce", 1));
  }

  std::atomic<bool> done{false};
  std::atomic<int> observations{0}, violations{0};
  std::thread watcher([&] {
    while (!done) {
      auto p = f.get(domain::product_id{"scarce"});
      if (p) {
        std::uint64_t reserved = 0;
        for (const auto& r : p->state.reservations) reserved += r.quantity;
        if (p->state.stock > 10 || p->state.stock + reserved + p->state.sold != 10) ++violations;
        ++observations;
      }
      std::this_thread::sleep_for(1ms);
    }
  });

  // The race starts once the watcher is looking.
  REQUIRE(wait_until([&] { return observations > 0; }));

  std::mutex m;
  std::condition_variable cv;
  std::vector<actors::reply<domain::checkout_state>> results;
  for (const auto& u : users)
    f.engine->checkout(u, "tok_visa", {}, [&](actors::reply<domain::checkout_state> r) {
      std::lock_guard lk(m);
      results.push_back(std::move(r));
      cv.notify_all();
    });
  {
    std::unique_lock lk(m);
    REQUIRE(cv.wait_for(lk, 120s, [&] { return results.size() == buyers; }));
  }
  done = true;
  watcher.join();

  int confirmed = 0, compensated = 0, other = 0;
  for (const auto& r : results) {
    REQUIRE_MESSAGE(r, (r ? "" : r.error().error.message));
    REQUIRE(r->state.step == domain::checkout_step::completed);
    if (r->state.outcome == domain::checkout_outcome::confirmed) {
      ++confirmed;
      CHECK(f.get(r->state.order_id)->state.status == domain::order_status::confirmed);
    } else if (r->state.compensation_reason == domain::cancel_reason::stock_unavailable) {
      ++compensated;
      CHECK(f.get(r->state.order_id)->state.status == domain::order_status::cancelled);
    } else {
      ++other;
    }
  }
  CHECK(confirmed == 10);
  CHECK(compensated == buyers - 10);
  CHECK(other == 0);
  auto p = f.get(domain::product_id{"scarce"});
  CHECK(p->state.stock == 0);
  CHECK(p->state.reservations.size() == 10);
  MESSAGE("stock observed " << observations.load() << " times during the race");
  CHECK(observations > 0);
  CHECK(violations == 0);
}
