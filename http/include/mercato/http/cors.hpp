#pragma once
// CORS for browser storefronts: only configured origins (`http.cors_origins`, or `*`)
// get Access-Control-Allow-Origin. Bearer tokens travel in a header, not cookies, so no
// credentials mode. Every answer to a request with an Origin header carries
// `Vary: Origin` so caches keep per-origin answers apart.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/config/config.hpp>

namespace mercato::http {

struct header_field {
  std::string name;
  std::string value;
  bool operator==(const header_field&) const = default;
};

struct cors_options {
  /// Exact origins (`https://shop.example.com`, scheme + host [+ port], no path) or `*`.
  /// Empty: no cross-origin access at all.
  std::vector<std::string> allowed_origins;
  std::chrono::seconds max_age{600};
};

cors_options cors_options_from(const config::node_config& config);

/// Methods allowed cross-origin: GET, POST, PUT, DELETE, OPTIONS.
inline constexpr std::string_view cors_allowed_methods = "GET, POST, PUT, DELETE, OPTIONS";
/// Request headers allowed cross-origin.
inline constexpr std::string_view cors_allowed_headers =
    "Authorization, Content-Type, Idempotency-Key, X-Request-Id, X-Consistency-Token";
/// Response headers a browser script may read.
inline constexpr std::string_view cors_exposed_headers =
    "Location, Retry-After, X-Request-Id, X-Consistency-Token, RateLimit-Limit, RateLimit-Remaining";

class cors_policy {
 public:
  explicit cors_policy(cors_options options);

  bool origin_allowed(std::string_view origin) const noexcept;

  /// Headers to add to an ordinary (non-preflight) response: with an allowed Origin,
  /// Access-Control-Allow-Origin (the origin itself, or `*` when configured so) and
  /// Access-Control-Expose-Headers; with any Origin, `Vary: Origin`; nothing without one.
  std::vector<header_field> response_headers(std::optional<std::string_view> origin) const;

  /// True for `OPTIONS` carrying both Origin and Access-Control-Request-Method.
  static bool is_preflight(std::string_view method, std::optional<std::string_view> origin,
                           std::optional<std::string_view> request_method) noexcept;

  struct preflight_answer {
    int status = 204;  ///< 204 when allowed, 403 when the origin, method or a header is not
    std::vector<header_field> headers;
  };
  /// The answer to a preflight. Allowed: 204 with Allow-Origin, Allow-Methods,
  /// Allow-Headers, Max-Age, Vary: Origin. Refused: 403 with only Vary: Origin (the
  /// server may add a problem body).
  preflight_answer preflight(std::string_view origin, std::string_view request_method,
                             std::optional<std::string_view> request_headers) const;

 private:
  cors_options options_;
  bool any_ = false;
};

}  // namespace mercato::http
