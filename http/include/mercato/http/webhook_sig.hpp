#pragma once
// Signed webhooks (payment provider -> us, and our notification deliveries -> shops).
// Header format, Stripe-like:
//     Mercato-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// Several `v1=` entries may be present (secret rotation): one match is enough. Unknown
// keys (`v0=`...) are ignored. The comparison is constant-time (libsodium), and a
// timestamp more than `tolerance` away from now (past or future) is refused, so a
// captured request cannot be replayed later.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/common/clock.hpp>
#include <mercato/common/result.hpp>

namespace mercato::http {

inline constexpr std::string_view webhook_signature_header = "Mercato-Signature";

enum class signature_error {
  no_secret,         ///< the verifier has no secret configured: every webhook is refused
  missing_header,    ///< empty header value
  malformed_header,  ///< no t= or no v1=, t not a number, v1 not 64 hex digits
  stale_timestamp,   ///< |now - t| > tolerance
  bad_signature,     ///< no v1 matches
};
std::string_view to_string(signature_error e) noexcept;

/// hex(HMAC-SHA256(secret, "<timestamp>.<body>")), 64 lower-case hex digits.
std::string webhook_hmac_hex(std::string_view secret, std::int64_t timestamp, std::string_view body);

/// The full header value `t=<timestamp>,v1=<hex>` (for senders and tests).
std::string sign_webhook(std::string_view secret, std::int64_t timestamp, std::string_view body);

class webhook_verifier {
 public:
  /// `now` returns nanoseconds since the epoch (tests pass a fixed clock).
  explicit webhook_verifier(std::string secret, std::chrono::seconds tolerance = std::chrono::minutes{5},
                            clock_fn now = system_now_ns);

  /// Checks a request: `header` is the Mercato-Signature value, `body` the raw body bytes
  /// exactly as received. Thread-safe.
  status<signature_error> verify(std::string_view header, std::string_view body) const;

 private:
  std::string secret_;
  std::chrono::seconds tolerance_;
  clock_fn now_;
};

}  // namespace mercato::http
