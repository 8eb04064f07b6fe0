#pragma once
// Recent successful password checks, so that a user who logs in again within a few minutes
// does not cost the node another Argon2id computation (Elasticsearch's realms keep the same
// kind of cache: `cache.hash_algo`, `cache.ttl`). The threat model is in docs/security.md.
//
// What is kept: per user, one entry holding a keyed BLAKE2b digest (libsodium
// crypto_generichash, a random 32-byte key made per process and never written anywhere) of
// (user id, stored hash, password), a digest of the stored hash, and an expiry. Never the
// password, never anything an offline guess could be checked against without the key.
// Only a successful check enters (remember); a wrong password is never cached and always
// pays the full Argon2id cost. A changed password invalidates the entry twice over: the
// digest covers the stored hash, and a lookup under another stored hash drops the entry
// (forget() drops it explicitly).
//
// Bounded: at most `max_entries` users; the entry that expires first goes first. Expiry
// follows an injectable monotonic clock (tests drive it). ttl 0 or max_entries 0: off
// (contains() is always false, remember() keeps nothing). Thread-safe (one mutex).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

#include <mercato/common/clock.hpp>
#include <mercato/config/config.hpp>

namespace mercato::http {

/// A 32-byte BLAKE2b digest keyed with a random key made at construction (libsodium
/// crypto_generichash): the same parts give the same digest within one process, nothing
/// outside it can compute or check one. Parts are length-prefixed, so ("ab","c") and
/// ("a","bc") differ. The key is wiped on destruction.
class keyed_digest {
 public:
  using value = std::array<unsigned char, 32>;
  keyed_digest();
  ~keyed_digest();
  keyed_digest(const keyed_digest&) = delete;
  keyed_digest& operator=(const keyed_digest&) = delete;

  value operator()(std::initializer_list<std::string_view> parts) const noexcept;

 private:
  std::array<unsigned char, 32> key_{};
};

struct credential_cache_options {
  std::chrono::seconds ttl{300};    ///< how long a successful check is remembered; 0: off
  std::size_t max_entries = 10000;  ///< users remembered at most; 0: off
};

/// From auth.cache.*.
credential_cache_options credential_cache_options_from(const config::node_config& config);

struct credential_cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;  ///< dropped to stay within max_entries
  std::size_t entries = 0;
};

class credential_cache {
 public:
  /// `now`: a monotonic clock in nanoseconds (tests pass their own).
  explicit credential_cache(credential_cache_options options, clock_fn now = steady_now_ns);
  ~credential_cache();
  credential_cache(const credential_cache&) = delete;
  credential_cache& operator=(const credential_cache&) = delete;

  bool enabled() const noexcept;

  /// True when remember(user, stored_hash, password) was called less than ttl ago and
  /// nothing dropped it since. A lookup under another stored hash than the entry's drops
  /// the entry (the password changed); an expired entry is dropped too.
  bool contains(std::string_view user, std::string_view stored_hash, std::string_view password);

  /// Records a check that succeeded: `password` matched `stored_hash`, the user's hash now.
  /// Never call it for a failed check. Replaces what was kept for `user`, with a fresh ttl.
  void remember(std::string_view user, std::string_view stored_hash, std::string_view password);

  /// Drops what is kept for `user` (its password changed).
  void forget(std::string_view user);

  credential_cache_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mercato::http
