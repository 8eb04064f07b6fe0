#pragma once
// What login needs to check passwords without sinking the node: the bounded verification
// pool (mercato/http/verify_pool.hpp, one computation per identical check in flight), the
// cache of recent successful checks (mercato/http/credential_cache.hpp), the dummy hash an
// unknown e-mail is checked against, and the Argon2id cost stored hashes are re-hashed to.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <mercato/domain/password.hpp>
#include <mercato/http/api.hpp>
#include <mercato/http/credential_cache.hpp>
#include <mercato/http/metrics.hpp>
#include <mercato/http/verify_pool.hpp>

namespace mercato::http::detail {

/// The outcome of one Argon2id check.
struct password_check {
  bool matched = false;
  /// When it matched and the stored hash has other parameters than the node's: the password
  /// hashed with the node's (to be stored by the caller).
  std::string rehashed;
};

class password_checks {
 public:
  using done_fn = std::function<void(std::optional<password_check>)>;

  explicit password_checks(const api_options& options);
  ~password_checks();
  password_checks(const password_checks&) = delete;
  password_checks& operator=(const password_checks&) = delete;

  /// Hashes the dummy with the node's parameters, times one check of it (the pool's first
  /// cost estimate) and starts the pool's threads. Call once before serving (server::start).
  void start();

  /// Checks `password` against `stored_hash`, the hash of the account `identity` names
  /// (its normalized e-mail), on the pool; re-hashes on a match when the parameters differ.
  /// `done` runs on a pool thread. Returns the admission (shed: nothing will be called).
  verify_ticket check(std::string_view identity, const std::string& stored_hash, std::string password,
                      std::function<bool()> wanted, done_fn done);

  /// The same work against the dummy hash, for an e-mail that names no account: equal cost,
  /// the same pool and the same admission; the result never matches.
  verify_ticket check_unknown(std::string_view identity, std::string password, std::function<bool()> wanted,
                              done_fn done);

  credential_cache& cache() noexcept { return cache_; }
  const domain::pwhash_limits& limits() const noexcept { return limits_; }

  /// mercato_auth_* figures at scrape time.
  void add_collector(registry& metrics);

 private:
  domain::pwhash_limits limits_;
  verify_pool_options pool_options_;
  credential_cache cache_;
  keyed_digest flight_key_;
  std::string dummy_hash_;
  std::unique_ptr<verify_pool<password_check>> pool_;  // last: its threads stop first
};

}  // namespace mercato::http::detail
