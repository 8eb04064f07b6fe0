#pragma once
// Per-client token buckets. Each client address has one bucket per rate class; a bucket
// holds up to `requests` tokens and refills continuously at requests/per. A request takes
// one token or is refused with the seconds until one is back (Retry-After).
//
// Memory is bounded: at most `max_clients` addresses per class are tracked. A full bucket
// is the same as no bucket, so full (idle) buckets are dropped first; if that is not
// enough the least recently seen half is dropped (those clients get a fresh bucket: under
// an address flood, limiting degrades towards allowing, never towards refusing everyone).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include <mercato/common/clock.hpp>
#include <mercato/config/config.hpp>

namespace mercato::http {

/// Which bucket a route draws from. Auth routes (register, login) draw ONLY from `auth`.
enum class rate_class { general, auth };

struct bucket_policy {
  std::uint32_t requests = 100;  ///< bucket size and refill amount per `per`
  std::chrono::seconds per{60};
};

struct rate_limit_options {
  bool enabled = true;
  bucket_policy general{100, std::chrono::seconds{60}};  ///< product default: 100 requests/min
  bucket_policy auth{10, std::chrono::seconds{3600}};    ///< product default: 10/hour on auth routes
  std::size_t max_clients = 100000;                      ///< per class
};

/// From http.rate_limit.*; `enabled` is false in the bench profile whatever the key says.
rate_limit_options rate_limit_options_from(const config::node_config& config);

struct rate_decision {
  bool allowed = true;
  std::uint32_t retry_after_seconds = 0;  ///< > 0 when refused (at least 1)
  std::uint32_t limit = 0;                ///< the bucket size (for RateLimit-Limit)
  std::uint32_t remaining = 0;            ///< whole tokens left after this request
};

class rate_limiter {
 public:
  /// `now` is a monotonic clock in nanoseconds (tests pass their own).
  explicit rate_limiter(rate_limit_options options, clock_fn now = steady_now_ns);
  ~rate_limiter();
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  /// Takes a token from `client`'s bucket of class `c`. Thread-safe; lock striped by
  /// client. Always allowed when the limiter is disabled.
  rate_decision check(std::string_view client, rate_class c = rate_class::general);

  bool enabled() const noexcept;
  /// Addresses tracked right now (both classes), for tests and a gauge.
  std::size_t tracked_clients() const;

  /// A monotonic clock in nanoseconds (std::chrono::steady_clock).
  static std::int64_t steady_now_ns();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mercato::http
