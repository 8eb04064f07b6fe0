// Password checks at login (password_checks.hpp).
#include "password_checks.hpp"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

#include "sodium_init.hpp"

namespace mercato::http::detail {

namespace {

constexpr std::string_view flight_label = "mercato/login/check";

unsigned threads_of(unsigned configured) {
  if (configured > 0) return configured;
  return std::max(1U, std::thread::hardware_concurrency());  // one per core
}

/// A password nobody knows: the dummy hash can never match.
std::string random_password() {
  ensure_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  sodium_memzero(bytes, sizeof bytes);
  std::string out(hex);
  sodium_memzero(hex, sizeof hex);
  return out;
}

}  // namespace

password_checks::password_checks(const api_options& options)
    : limits_(options.password), cache_(options.credential_cache) {
  pool_options_.threads = threads_of(options.verify_threads);
  pool_options_.queue_length = options.verify_queue_length;
  pool_options_.deadline = options.request_timeout;
}

password_checks::~password_checks() = default;

void password_checks::start() {
  if (pool_) return;
  dummy_hash_ = domain::hash_password(random_password(), limits_);
  const auto began = std::chrono::steady_clock::now();
  (void)domain::verify_password(dummy_hash_, "not the password");
  pool_options_.initial_cost = std::max<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began,
                                                                  std::chrono::nanoseconds(1));
  pool_ = std::make_unique<verify_pool<password_check>>(pool_options_);
  const auto p = domain::params_for(limits_);
  spdlog::info(
      "password checks: Argon2id m={} KiB, t={}, p={} takes {:.1f} ms here; {} thread(s), at most {} in "
      "flight "
      "({}); login cache {}",
      p.memory_kib, p.passes, p.lanes,
      std::chrono::duration<double, std::milli>(pool_options_.initial_cost).count(), pool_options_.threads,
      pool_->capacity(),
      pool_options_.queue_length > 0 ? "auth.verify.queue_length"
                                     : "what the request timeout allows at the measured cost",
      cache_.enabled() ? "on" : "off");
}

verify_ticket password_checks::check(std::string_view identity, const std::string& stored_hash,
                                     std::string password, std::function<bool()> wanted, done_fn done) {
  if (!pool_) throw std::logic_error("password_checks::start() was not called");
  auto key = flight_key_({flight_label, identity, stored_hash, password});
  return pool_->submit(
      key,
      [stored_hash, password = std::move(password), limits = limits_] {
        password_check r;
        r.matched = domain::verify_password(stored_hash, password);
        if (r.matched && domain::needs_rehash(stored_hash, limits))
          r.rehashed = domain::hash_password(password, limits);
        return r;
      },
      std::move(wanted), std::move(done));
}

verify_ticket password_checks::check_unknown(std::string_view identity, std::string password,
                                             std::function<bool()> wanted, done_fn done) {
  if (!pool_) throw std::logic_error("password_checks::start() was not called");
  // Keyed like a real account's check (identity, hash, password), so identical requests
  // join each other exactly as they would for an account: nothing tells the two apart.
  auto key = flight_key_({flight_label, identity, dummy_hash_, password});
  return pool_->submit(
      key,
      [this, password = std::move(password)] {
        (void)domain::verify_password(dummy_hash_, password);
        return password_check{};
      },
      std::move(wanted), std::move(done));
}

void password_checks::add_collector(registry& metrics) {
  metrics.add_collector([this](scrape& s) {
    if (!pool_) return;
    const auto p = pool_->stats();
    const auto c = cache_.stats();
    const char* help =
        "Password checks at login by outcome: computed (Argon2id ran), joined (shared an "
        "identical check in flight), cached (a recent success), shed (no room: 503), skipped "
        "(nobody waited any more).";
    s.counter("mercato_auth_password_checks_total", help, static_cast<double>(p.computed),
              {{"outcome", "computed"}});
    s.counter("mercato_auth_password_checks_total", help, static_cast<double>(p.joined),
              {{"outcome", "joined"}});
    s.counter("mercato_auth_password_checks_total", help, static_cast<double>(c.hits),
              {{"outcome", "cached"}});
    s.counter("mercato_auth_password_checks_total", help, static_cast<double>(p.shed), {{"outcome", "shed"}});
    s.counter("mercato_auth_password_checks_total", help, static_cast<double>(p.skipped),
              {{"outcome", "skipped"}});
    s.gauge("mercato_auth_password_checks_running", "Argon2id checks running now.",
            static_cast<double>(p.running));
    s.gauge("mercato_auth_password_checks_waiting", "Argon2id checks waiting for a thread.",
            static_cast<double>(p.waiting));
    s.gauge("mercato_auth_password_checks_capacity", "Checks allowed in flight (running + waiting) now.",
            static_cast<double>(p.capacity));
    s.gauge("mercato_auth_password_check_seconds", "Measured cost of one Argon2id check (moving average).",
            std::chrono::duration<double>(p.cost).count());
    s.gauge("mercato_auth_credential_cache_entries", "Users whose last successful login is remembered.",
            static_cast<double>(c.entries));
  });
}

}  // namespace mercato::http::detail
