#pragma once
// The wall clock comes in from main (docs/style.md) so tests can control time.
#include <chrono>
#include <cstdint>
#include <functional>

namespace mercato {

/// Returns nanoseconds since the Unix epoch (UTC).
using clock_fn = std::function<std::int64_t()>;

inline std::int64_t system_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A monotonic clock in nanoseconds (std::chrono::steady_clock), for durations and expiry
/// that must not jump with the wall clock.
inline std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace mercato
