#pragma once
// A clock a test moves by hand, for code that takes a clock_fn (mercato/common/clock.hpp):
// expiry, refill and timeouts are driven without sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <mercato/common/clock.hpp>

namespace mercato::test {

/// Nanoseconds, starting at 1 s; copies share the same time.
struct manual_clock {
  std::shared_ptr<std::atomic<std::int64_t>> ns = std::make_shared<std::atomic<std::int64_t>>(1'000'000'000);
  clock_fn fn() const {
    return [n = ns] { return n->load(); };
  }
  void advance(std::chrono::nanoseconds d) const { ns->fetch_add(d.count()); }
};

}  // namespace mercato::test
