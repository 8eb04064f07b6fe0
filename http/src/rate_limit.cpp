#include <mercato/http/rate_limit.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mercato::http {
namespace {

constexpr std::size_t stripe_count = 16;

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct bucket {
  double tokens = 0;
  std::int64_t last_ns = 0;  ///< when `tokens` was last brought up to date
};

struct stripe {
  std::mutex mutex;
  std::unordered_map<std::string, bucket, string_hash, std::equal_to<>> buckets;
};

/// One rate class: its policy and its striped buckets.
struct limiter_class {
  double capacity = 0;
  double tokens_per_ns = 0;
  std::size_t max_per_stripe = 1;
  std::array<stripe, stripe_count> stripes;

  void configure(const bucket_policy& p, std::size_t max_clients) {
    capacity = std::max<double>(1.0, static_cast<double>(p.requests));
    const double per_ns = static_cast<double>(std::max<std::int64_t>(1, p.per.count())) * 1e9;
    tokens_per_ns = capacity / per_ns;
    max_per_stripe = std::max<std::size_t>(1, max_clients / stripe_count);
  }

  double refilled(const bucket& b, std::int64_t now) const {
    const double elapsed = static_cast<double>(std::max<std::int64_t>(0, now - b.last_ns));
    return std::min(capacity, b.tokens + elapsed * tokens_per_ns);
  }

  /// Makes room in a full stripe: first drop full (idle) buckets, then the least recently
  /// seen half.
  void evict(stripe& s, std::int64_t now) {
    std::erase_if(s.buckets, [&](const auto& entry) { return refilled(entry.second, now) >= capacity; });
    if (s.buckets.size() < max_per_stripe) return;
    std::vector<std::int64_t> times;
    times.reserve(s.buckets.size());
    for (const auto& [key, b] : s.buckets) times.push_back(b.last_ns);
    const auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
    std::nth_element(times.begin(), middle, times.end());
    const std::int64_t cutoff = *middle;
    std::erase_if(s.buckets, [&](const auto& entry) { return entry.second.last_ns <= cutoff; });
  }
};

}  // namespace

struct rate_limiter::impl {
  rate_limit_options options;
  clock_fn now;
  limiter_class general;
  limiter_class auth;

  limiter_class& of(rate_class c) { return c == rate_class::auth ? auth : general; }
};

rate_limit_options rate_limit_options_from(const config::node_config& config) {
  rate_limit_options o;
  const auto& rl = config.http.rate_limit;
  o.enabled = rl.enabled && config.profile != config::run_profile::bench;
  o.general = {rl.general_per_minute, std::chrono::seconds{60}};
  o.auth = {rl.auth_per_hour, std::chrono::seconds{3600}};
  return o;
}

std::int64_t rate_limiter::steady_now_ns() {
  return mercato::steady_now_ns();
}

rate_limiter::rate_limiter(rate_limit_options options, clock_fn now) : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  impl_->now = std::move(now);
  impl_->general.configure(options.general, options.max_clients);
  impl_->auth.configure(options.auth, options.max_clients);
}

rate_limiter::~rate_limiter() = default;

bool rate_limiter::enabled() const noexcept {
  return impl_->options.enabled;
}

rate_decision rate_limiter::check(std::string_view client, rate_class c) {
  limiter_class& cls = impl_->of(c);
  const auto limit = static_cast<std::uint32_t>(cls.capacity);
  if (!impl_->options.enabled) return {true, 0, limit, limit};
  const std::int64_t now = impl_->now();
  stripe& s = cls.stripes[string_hash{}(client) % stripe_count];
  const std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(client);
  if (it == s.buckets.end()) {
    if (s.buckets.size() >= cls.max_per_stripe) cls.evict(s, now);
    it = s.buckets.emplace(std::string(client), bucket{cls.capacity, now}).first;
  }
  bucket& b = it->second;
  b.tokens = cls.refilled(b, now);
  b.last_ns = std::max(b.last_ns, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {true, 0, limit, static_cast<std::uint32_t>(std::floor(b.tokens))};
  }
  const double wait_s = (1.0 - b.tokens) / cls.tokens_per_ns / 1e9;
  const auto retry = static_cast<std::uint32_t>(std::max(1.0, std::ceil(wait_s)));
  return {false, retry, limit, 0};
}

std::size_t rate_limiter::tracked_clients() const {
  std::size_t n = 0;
  for (limiter_class* cls : {&impl_->general, &impl_->auth}) {
    for (auto& s : cls->stripes) {
      const std::lock_guard lock(s.mutex);
      n += s.buckets.size();
    }
  }
  return n;
}

}  // namespace mercato::http
