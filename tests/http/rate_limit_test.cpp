#include <doctest/doctest.h>

#include <mercato/http/rate_limit.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <mercato/config/config.hpp>

#include "manual_clock.hpp"

namespace h = mercato::http;
using mercato::test::manual_clock;
using namespace std::chrono_literals;

namespace {

h::rate_limit_options opts(std::uint32_t general, std::uint32_t auth = 10) {
  h::rate_limit_options o;
  o.general = {general, 60s};
  o.auth = {auth, 3600s};
  return o;
}

}  // namespace

TEST_CASE("a bucket allows its size, then refuses with Retry-After") {
  manual_clock clock;
  h::rate_limiter limiter(opts(100), clock.fn());
  for (int i = 0; i < 100; ++i) {
    const auto d = limiter.check("10.0.0.1");
    REQUIRE(d.allowed);
    CHECK(d.limit == 100);
    CHECK(d.remaining == static_cast<std::uint32_t>(99 - i));
  }
  const auto refused = limiter.check("10.0.0.1");
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds == 1);  // one token per 0.6 s
  CHECK(refused.remaining == 0);
  // Another client is unaffected.
  CHECK(limiter.check("10.0.0.2").allowed);
}

TEST_CASE("tokens come back at the configured rate") {
  manual_clock clock;
  h::rate_limiter limiter(opts(60), clock.fn());  // one token per second
  for (int i = 0; i < 60; ++i) REQUIRE(limiter.check("c").allowed);
  CHECK_FALSE(limiter.check("c").allowed);
  clock.advance(999ms);
  CHECK_FALSE(limiter.check("c").allowed);
  clock.advance(2ms);
  CHECK(limiter.check("c").allowed);
  CHECK_FALSE(limiter.check("c").allowed);
  clock.advance(10min);  // refills to the bucket size, not beyond
  int allowed = 0;
  while (limiter.check("c").allowed) ++allowed;
  CHECK(allowed == 60);
}

TEST_CASE("auth routes have their own, slower bucket") {
  manual_clock clock;
  h::rate_limiter limiter(opts(100, 10), clock.fn());
  for (int i = 0; i < 10; ++i) REQUIRE(limiter.check("c", h::rate_class::auth).allowed);
  const auto refused = limiter.check("c", h::rate_class::auth);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds == 360);  // 3600 s / 10 tokens
  CHECK(limiter.check("c", h::rate_class::general).allowed);
}

TEST_CASE("disabled: everything allowed, nothing tracked") {
  auto o = opts(1);
  o.enabled = false;
  h::rate_limiter limiter(o);
  for (int i = 0; i < 1000; ++i) REQUIRE(limiter.check("c").allowed);
  CHECK(limiter.tracked_clients() == 0);
  CHECK_FALSE(limiter.enabled());
}

TEST_CASE("options from the config: SPEC defaults; off in the bench profile") {
  auto c = mercato::config::load({});
  REQUIRE(c.has_value());
  auto o = h::rate_limit_options_from(*c);
  CHECK(o.enabled);
  CHECK(o.general.requests == 100);
  CHECK(o.general.per == 60s);
  CHECK(o.auth.requests == 10);
  CHECK(o.auth.per == 3600s);
  c = mercato::config::load({.overrides = {{"profile", "bench"}}});
  REQUIRE(c.has_value());
  CHECK_FALSE(h::rate_limit_options_from(*c).enabled);
  c = mercato::config::load({.overrides = {{"http.rate_limit.enabled", "false"}}});
  REQUIRE(c.has_value());
  CHECK_FALSE(h::rate_limit_options_from(*c).enabled);
}

TEST_CASE("memory stays bounded under a flood of addresses") {
  manual_clock clock;
  auto o = opts(100);
  o.max_clients = 1600;
  h::rate_limiter limiter(o, clock.fn());
  for (int i = 0; i < 100000; ++i) {
    limiter.check("10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
                  std::to_string(i % 256));
    clock.advance(1us);
  }
  CHECK(limiter.tracked_clients() <= 1600);
  CHECK(limiter.tracked_clients() > 0);
}

TEST_CASE("full (idle) buckets are evicted before a limited client's bucket") {
  manual_clock clock;
  auto o = opts(10);
  o.max_clients = 16 * 8;  // 8 per stripe
  h::rate_limiter limiter(o, clock.fn());
  for (int i = 0; i < 100; ++i) limiter.check("idle-" + std::to_string(i));
  clock.advance(10min);  // every idle bucket is full again: equivalent to absent
  for (int i = 0; i < 10; ++i) REQUIRE(limiter.check("busy").allowed);
  CHECK_FALSE(limiter.check("busy").allowed);
  for (int i = 0; i < 50; ++i) {
    clock.advance(1us);
    limiter.check("new-" + std::to_string(i));
  }
  // Had the busy client's empty bucket been dropped, it would get a fresh one now.
  CHECK_FALSE(limiter.check("busy").allowed);
  CHECK(limiter.tracked_clients() <= 128);
}

TEST_CASE("concurrent checks never hand out more tokens than the bucket holds") {
  manual_clock clock;  // frozen: no refill during the test
  h::rate_limiter limiter(opts(1000), clock.fn());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (limiter.check("shared").allowed) ++allowed;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(allowed.load() == 1000);
}
