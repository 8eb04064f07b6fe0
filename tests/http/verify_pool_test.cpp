// The bounded verification pool: identical checks computed once, a burst beyond the room
// shed at once with a Retry-After, checks nobody waits for skipped, the derived room.
// Checks here are gated by the test (a latch), never timed.
#include <doctest/doctest.h>

#include <mercato/http/verify_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "wait.hpp"

namespace h = mercato::http;
using namespace std::chrono_literals;
using mercato::test::wait_until;

namespace {

using pool = h::verify_pool<int>;

pool::key key_of(unsigned char n) {
  pool::key k{};
  k[0] = n;
  k[31] = n;
  return k;
}

/// Holds every check until released, and counts the ones that ran.
class gate {
 public:
  std::function<int()> work(int result) {
    return [this, result] {
      ++started_;
      std::unique_lock lk(mutex_);
      cv_.wait(lk, [&] { return open_; });
      return result;
    };
  }
  void open() {
    {
      std::lock_guard lk(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int started() const { return started_.load(); }

 private:
  std::atomic<int> started_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

/// Collects the answers callers get.
struct answers {
  std::mutex mutex;
  std::vector<std::optional<int>> got;
  pool::done_fn sink() {
    return [this](std::optional<int> r) {
      std::lock_guard lk(mutex);
      got.push_back(r);
    };
  }
  std::size_t size() {
    std::lock_guard lk(mutex);
    return got.size();
  }
};

}  // namespace

TEST_CASE("identical checks in flight are computed once and every caller gets the result") {
  gate g;
  answers a;
  {
    pool p({.threads = 1, .queue_length = 1});
    CHECK(p.submit(key_of(1), g.work(7), {}, a.sink()).how == h::admission::started);
    REQUIRE(wait_until([&] { return g.started() == 1; }));
    // Joining costs no room: many more callers of the same check are all let in.
    for (int i = 0; i < 20; ++i)
      CHECK(p.submit(key_of(1), g.work(8), {}, a.sink()).how == h::admission::joined);
    g.open();
    REQUIRE(wait_until([&] { return a.size() == 21; }));
    const auto s = p.stats();
    CHECK(s.computed == 1);
    CHECK(s.joined == 20);
    CHECK(s.shed == 0);
  }
  CHECK(g.started() == 1);
  for (const auto& r : a.got) CHECK(r == 7);  // the first caller's work, shared
}

TEST_CASE("a burst beyond threads + queue length is shed at once with a Retry-After") {
  gate g;
  answers a;
  pool p({.threads = 1, .queue_length = 1, .deadline = 5000ms, .initial_cost = 2s});
  CHECK(p.capacity() == 2);
  CHECK(p.submit(key_of(1), g.work(1), {}, a.sink()).how == h::admission::started);
  REQUIRE(wait_until([&] { return g.started() == 1; }));                             // running
  CHECK(p.submit(key_of(2), g.work(2), {}, a.sink()).how == h::admission::started);  // waiting
  for (unsigned char k = 3; k < 13; ++k) {
    const auto t = p.submit(key_of(k), g.work(k), {}, a.sink());
    CHECK(t.how == h::admission::shed);
    CHECK(t.retry_after_seconds >= 1);  // answered without waiting for the running check
  }
  auto s = p.stats();
  CHECK(s.running == 1);
  CHECK(s.waiting == 1);
  CHECK(s.shed == 10);
  CHECK(a.size() == 0);  // nothing answered yet: the shed ones were refused, not queued
  g.open();
  REQUIRE(wait_until([&] { return a.size() == 2; }));
  // Room again once the pool has drained.
  REQUIRE(wait_until([&] { return p.stats().running + p.stats().waiting == 0; }));
  CHECK(p.submit(key_of(20), g.work(20), {}, a.sink()).how == h::admission::started);
  REQUIRE(wait_until([&] { return a.size() == 3; }));
  s = p.stats();
  CHECK(s.computed == 3);
  CHECK(s.shed == 10);
}

TEST_CASE("Retry-After says how long the checks in flight take to drain") {
  CHECK(h::drain_seconds(2, 1, 2s) == 4);
  CHECK(h::drain_seconds(4, 2, 1500ms) == 3);
  CHECK(h::drain_seconds(1, 4, 10ms) == 1);          // never 0
  CHECK(h::drain_seconds(1000000, 1, 10s) == 3600);  // capped
}

TEST_CASE("with no queue length configured, the room is what finishes within the deadline") {
  // Two threads, checks of 100 ms, 5 s deadline (3.75 s budget): 37 rounds of two.
  CHECK(h::derived_capacity(2, 3750ms, 100ms) == 74);
  // A check that costs more than the budget: the threads alone, nothing waits.
  CHECK(h::derived_capacity(2, 3750ms, 10s) == 2);
  CHECK(h::derived_capacity(1, 3750ms, 0ns) == 1);
  h::verify_pool<int> p({.threads = 2, .queue_length = 0, .deadline = 5000ms, .initial_cost = 100ms});
  CHECK(p.capacity() == 74);
}

TEST_CASE("a check nobody waits for any more is skipped when its turn comes") {
  gate g;
  answers a;
  std::atomic<bool> still_waiting{false};
  {
    pool p({.threads = 1, .queue_length = 4});
    CHECK(p.submit(key_of(1), g.work(1), {}, a.sink()).how == h::admission::started);
    REQUIRE(wait_until([&] { return g.started() == 1; }));
    // Queued behind it; its request timed out meanwhile.
    CHECK(p.submit(
               key_of(2), g.work(2), [&] { return still_waiting.load(); }, a.sink())
              .how == h::admission::started);
    g.open();
    REQUIRE(wait_until([&] { return p.stats().skipped == 1; }));
    CHECK(p.stats().computed == 1);
  }
  CHECK(g.started() == 1);
  CHECK(a.got.size() == 1);
}

TEST_CASE("a check that throws answers every caller with nothing, and the pool lives on") {
  answers a;
  pool p({.threads = 1, .queue_length = 1});
  CHECK(p.submit(
             key_of(1), []() -> int { throw std::runtime_error("out of memory"); }, {}, a.sink())
            .how == h::admission::started);
  REQUIRE(wait_until([&] { return a.size() == 1; }));
  CHECK_FALSE(a.got.front().has_value());
  CHECK(p.submit(
             key_of(1), [] { return 5; }, {}, a.sink())
            .how == h::admission::started);
  REQUIRE(wait_until([&] { return a.size() == 2; }));
  CHECK(a.got.back() == 5);
}
