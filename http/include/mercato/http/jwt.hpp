#pragma once
// Access tokens: JWT (RFC 7519) signed with HS256 through libjwt. verify() accepts only
// HS256 tokens signed with our secret, issued by our issuer for our audience, not expired:
// any other algorithm (`none`, HS384, RS256...), a bad signature, a wrong `iss`/`aud`, a
// past `exp`, a missing claim or anything malformed is refused with a reason (for logs and
// metrics; the client always gets the same 401).
//
// Claims written: iss, aud, sub (user id), role (`customer` | `admin`), email (optional),
// iat, exp.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <mercato/common/clock.hpp>
#include <mercato/common/result.hpp>
#include <mercato/config/config.hpp>

namespace mercato::http {

/// The smallest secret accepted in the production profile.
inline constexpr std::size_t min_jwt_secret_bytes = 32;

struct jwt_settings {
  std::string secret;  ///< HMAC key (raw bytes; at least min_jwt_secret_bytes in prod)
  std::string issuer;
  std::string audience;
  std::chrono::seconds lifetime{3600};
  /// Seconds of clock difference tolerated for `iat`/`nbf` in the future. `exp` gets none.
  std::chrono::seconds leeway{30};
};

/// issuer, audience and lifetime from the auth section; the secret from resolve_jwt_secret.
jwt_settings jwt_settings_from(const config::auth_section& auth, std::string secret);

struct token_subject {
  std::string user_id;               ///< `sub`
  std::string role;                  ///< `customer` or `admin`
  std::optional<std::string> email;  ///< `email`, when given
};

struct token_claims {
  std::string user_id;
  std::string role;
  std::optional<std::string> email;
  std::int64_t issued_at = 0;   ///< seconds since the epoch
  std::int64_t expires_at = 0;  ///< seconds since the epoch
  bool is_admin() const noexcept { return role == "admin"; }
};

struct issued_token {
  std::string access_token;     ///< the compact JWS
  std::int64_t expires_in = 0;  ///< seconds (the login answer's `expiresIn`)
};

enum class jwt_error {
  malformed,              ///< not three base64url parts of JSON, or claims of the wrong type
  unsupported_algorithm,  ///< header alg other than HS256 (incl. `none`)
  bad_signature,
  wrong_issuer,
  wrong_audience,
  expired,        ///< exp <= now
  not_yet_valid,  ///< iat or nbf later than now + leeway
  missing_claim,  ///< no sub, role, exp or iat; or an unknown role
};
std::string_view to_string(jwt_error e) noexcept;

class jwt_codec {
 public:
  /// `now` returns nanoseconds since the epoch (tests pass a fixed clock).
  explicit jwt_codec(jwt_settings settings, clock_fn now = system_now_ns);

  /// Signs a token for `subject` valid for settings.lifetime from now. Fails (with a
  /// message for the log) only if libjwt fails, e.g. out of memory.
  result<issued_token, std::string> issue(const token_subject& subject) const;

  /// Checks everything listed at the top of the file. Thread-safe.
  /// Tokens that passed are remembered (bounded, by their exact bytes), so a client's next
  /// request skips the signature and JSON work (~30 us -> < 1 us); the time checks (exp,
  /// iat/nbf) run on every call.
  result<token_claims, jwt_error> verify(std::string_view token) const;

  const jwt_settings& settings() const noexcept { return settings_; }

  struct verified_cache;

 private:
  result<token_claims, jwt_error> verify_uncached(std::string_view token, std::int64_t& not_before) const;

  jwt_settings settings_;
  clock_fn now_;
  std::shared_ptr<verified_cache> cache_;
};

/// The token of an `Authorization: Bearer <token>` header value (scheme case-insensitive,
/// exactly one space-separated token). nullopt for anything else (routes answer 401).
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

/// Where the development profile keeps a generated secret: `<data_dir>/jwt-secret`.
std::filesystem::path generated_secret_path(const std::filesystem::path& data_dir);

struct resolved_secret {
  std::string secret;
  /// A warning for the start-up log (generated or reused a dev secret, or a short secret
  /// outside prod), or empty.
  std::string warning;
};

/// The secret the node signs with:
///   * auth.jwt_secret (JWT_SECRET) when set: in `prod` it must have at least 32 bytes,
///     else the node must refuse to start (error says so); elsewhere a shorter one is used
///     with a warning;
///   * unset in `prod`: error ("set JWT_SECRET to at least 32 bytes ...");
///   * unset in `dev` / `bench`: the secret kept in generated_secret_path(data_dir), or a
///     new random one (32 bytes, hex-encoded) written there with mode 0600, with a warning.
/// Call it AFTER the event store opened the data directory (the store refuses a fresh
/// directory that already holds files). The error text never contains the secret.
result<resolved_secret, std::string> resolve_jwt_secret(const config::auth_section& auth,
                                                        config::run_profile profile,
                                                        const std::filesystem::path& data_dir);

}  // namespace mercato::http
