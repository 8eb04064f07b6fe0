// The cache of recent successful password checks (credential_cache.hpp).
#include <mercato/http/credential_cache.hpp>

#include <sodium.h>

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "sodium_init.hpp"

namespace mercato::http {

keyed_digest::keyed_digest() {
  detail::ensure_sodium();
  randombytes_buf(key_.data(), key_.size());
}

keyed_digest::~keyed_digest() {
  sodium_memzero(key_.data(), key_.size());
}

keyed_digest::value keyed_digest::operator()(std::initializer_list<std::string_view> parts) const noexcept {
  crypto_generichash_state state;
  crypto_generichash_init(&state, key_.data(), key_.size(), sizeof(value));
  for (auto part : parts) {
    std::array<unsigned char, 8> length{};
    for (std::size_t i = 0; i < length.size(); ++i)
      length[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(part.size()) >> (8 * i));
    crypto_generichash_update(&state, length.data(), length.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  }
  value out{};
  crypto_generichash_final(&state, out.data(), out.size());
  sodium_memzero(&state, sizeof state);
  return out;
}

credential_cache_options credential_cache_options_from(const config::node_config& config) {
  return {config.auth.cache.ttl_seconds, config.auth.cache.max_entries};
}

namespace {

/// Digests name what they cover, so one can never stand for another.
constexpr std::string_view user_label = "mercato/credential-cache/user";
constexpr std::string_view hash_label = "mercato/credential-cache/stored-hash";
constexpr std::string_view credential_label = "mercato/credential-cache/credential";

bool same(const keyed_digest::value& a, const keyed_digest::value& b) noexcept {
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

struct credential_cache::impl {
  credential_cache_options options;
  clock_fn now;
  keyed_digest digest;

  struct entry {
    keyed_digest::value credential;  // (user, stored hash, password)
    keyed_digest::value stored_hash;
    std::int64_t expires_ns = 0;
    std::list<std::string>::iterator order;  // place in `by_expiry`
  };
  mutable std::mutex mutex;
  // Keyed by the user's digest (not the id itself); by_expiry lists those keys, the one
  // that expires first at the front (one ttl for all: insertion order is expiry order).
  std::unordered_map<std::string, entry> entries;
  std::list<std::string> by_expiry;
  credential_cache_stats counts;

  bool enabled() const noexcept { return options.ttl.count() > 0 && options.max_entries > 0; }

  static std::string key_of(const keyed_digest::value& d) { return std::string(d.begin(), d.end()); }

  void erase(std::unordered_map<std::string, entry>::iterator it) {
    by_expiry.erase(it->second.order);
    entries.erase(it);
  }

  /// Drops the expired entries from the front, then the soonest to expire while full.
  void make_room(std::int64_t now_ns) {
    while (!by_expiry.empty()) {
      auto it = entries.find(by_expiry.front());
      const bool expired = it->second.expires_ns <= now_ns;
      if (!expired && entries.size() < options.max_entries) break;
      if (!expired) ++counts.evictions;
      erase(it);
    }
  }
};

credential_cache::credential_cache(credential_cache_options options, clock_fn now)
    : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  impl_->now = std::move(now);
}

credential_cache::~credential_cache() = default;

bool credential_cache::enabled() const noexcept {
  return impl_->enabled();
}

bool credential_cache::contains(std::string_view user, std::string_view stored_hash,
                                std::string_view password) {
  auto& im = *impl_;
  if (!im.enabled()) return false;
  const auto user_key = impl::key_of(im.digest({user_label, user}));
  const auto hash_digest = im.digest({hash_label, stored_hash});
  const auto credential = im.digest({credential_label, user, stored_hash, password});
  const auto now_ns = im.now();
  std::lock_guard lk(im.mutex);
  auto it = im.entries.find(user_key);
  if (it == im.entries.end()) {
    ++im.counts.misses;
    return false;
  }
  if (it->second.expires_ns <= now_ns || !same(it->second.stored_hash, hash_digest)) {
    im.erase(it);  // expired, or the password changed since
    ++im.counts.misses;
    return false;
  }
  const bool hit = same(it->second.credential, credential);
  ++(hit ? im.counts.hits : im.counts.misses);
  return hit;
}

void credential_cache::remember(std::string_view user, std::string_view stored_hash,
                                std::string_view password) {
  auto& im = *impl_;
  if (!im.enabled()) return;
  auto user_key = impl::key_of(im.digest({user_label, user}));
  impl::entry e{im.digest({credential_label, user, stored_hash, password}),
                im.digest({hash_label, stored_hash}),
                0,
                {}};
  const auto now_ns = im.now();
  e.expires_ns = now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(im.options.ttl).count();
  std::lock_guard lk(im.mutex);
  if (auto old = im.entries.find(user_key); old != im.entries.end()) im.erase(old);
  im.make_room(now_ns);
  e.order = im.by_expiry.insert(im.by_expiry.end(), user_key);
  im.entries.emplace(std::move(user_key), e);
}

void credential_cache::forget(std::string_view user) {
  auto& im = *impl_;
  if (!im.enabled()) return;
  const auto user_key = impl::key_of(im.digest({user_label, user}));
  std::lock_guard lk(im.mutex);
  if (auto it = im.entries.find(user_key); it != im.entries.end()) im.erase(it);
}

credential_cache_stats credential_cache::stats() const {
  std::lock_guard lk(impl_->mutex);
  auto s = impl_->counts;
  s.entries = impl_->entries.size();
  return s;
}

}  // namespace mercato::http
