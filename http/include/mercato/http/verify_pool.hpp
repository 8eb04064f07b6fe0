#pragma once
// Expensive checks (Argon2id password verification at login) on a bounded pool, so that a
// burst of logins cannot sink the node:
//
//  * at most `threads` checks run at a time (one per core by default);
//  * at most `capacity()` checks are in flight (running + waiting). The bound is the
//    configured queue length plus the threads, or, with none configured, what can finish
//    within the request deadline at the measured cost of a check: a request that would
//    only time out after waiting is refused at once instead (the caller answers 503 with
//    the Retry-After this gives), and everyone else is served in time;
//  * identical checks in flight (same key: a keyed digest of what is checked) are computed
//    once, and every caller gets that one result (single flight); joining costs no room;
//  * a check whose callers have all stopped wanting it (their requests were answered by a
//    timeout) is skipped when its turn comes.
//
// The cost of a check is measured (an exponential moving average of the wall time of the
// checks that ran), starting from the caller's estimate. `done` runs on a pool thread, once
// per caller that still wants the result, with nullopt when the check threw.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <mercato/common/work_pool.hpp>

namespace mercato::http {

struct verify_pool_options {
  unsigned threads = 1;  ///< at least 1
  /// Checks waiting for a thread at most; 0: derived from `deadline` and the measured cost.
  std::size_t queue_length = 0;
  /// How long a caller can wait for an answer (the request timeout). The derived bound lets
  /// in at most what finishes within three quarters of it.
  std::chrono::milliseconds deadline{5000};
  /// The cost of one check before any was measured (e.g. timed once at start); > 0.
  std::chrono::nanoseconds initial_cost{std::chrono::milliseconds(100)};
};

/// What became of a submitted check.
enum class admission {
  started,  ///< a new check was queued
  joined,   ///< an identical check was in flight: its result will be shared
  shed,     ///< no room: refused at once, nothing will be called
};

struct verify_ticket {
  admission how = admission::started;
  std::uint32_t retry_after_seconds = 0;  ///< when shed: about when the pool has room again (>= 1)
};

struct verify_pool_stats {
  std::uint64_t computed = 0;  ///< checks that ran
  std::uint64_t joined = 0;    ///< callers that shared a check in flight
  std::uint64_t shed = 0;      ///< callers refused for want of room
  std::uint64_t skipped = 0;   ///< checks dropped unrun: no caller wanted them any more
  std::size_t running = 0;
  std::size_t waiting = 0;
  std::size_t capacity = 0;          ///< running + waiting allowed now
  std::chrono::nanoseconds cost{0};  ///< measured cost of one check
};

/// The in-flight bound with no configured queue length: as many as `threads` can finish
/// within `budget` at `cost` each (at least `threads`: an idle pool always takes work).
inline std::size_t derived_capacity(unsigned threads, std::chrono::nanoseconds budget,
                                    std::chrono::nanoseconds cost) noexcept {
  const auto per_thread = cost.count() > 0 ? budget.count() / cost.count() : 0;
  const auto total = static_cast<std::size_t>(std::max<std::int64_t>(per_thread, 1)) * threads;
  return std::max<std::size_t>(total, threads);
}

/// Seconds until `in_flight` checks have drained from `threads` at `cost` each (at least 1).
inline std::uint32_t drain_seconds(std::size_t in_flight, unsigned threads,
                                   std::chrono::nanoseconds cost) noexcept {
  const double seconds =
      static_cast<double>(in_flight) * std::chrono::duration<double>(cost).count() / std::max(threads, 1U);
  return static_cast<std::uint32_t>(std::clamp(std::ceil(seconds), 1.0, 3600.0));
}

template <class Result>
class verify_pool {
 public:
  using key = std::array<unsigned char, 32>;
  using work_fn = std::function<Result()>;
  using wanted_fn = std::function<bool()>;
  using done_fn = std::function<void(std::optional<Result>)>;

  explicit verify_pool(verify_pool_options options)
      : options_(options), cost_ns_(std::max<std::int64_t>(options.initial_cost.count(), 1)) {
    options_.threads = std::max(options_.threads, 1U);
    pool_ = std::make_unique<work_pool>(options_.threads);
  }
  /// Runs (or skips) the checks already admitted, then joins the threads.
  ~verify_pool() { pool_.reset(); }
  verify_pool(const verify_pool&) = delete;
  verify_pool& operator=(const verify_pool&) = delete;

  /// Admits `work` under `k`, or joins the identical check in flight (then `work` is not
  /// used), or sheds. `wanted()` says whether this caller still wants the result;
  /// `done(result)` is called on a pool thread when it does.
  verify_ticket submit(const key& k, work_fn work, wanted_fn wanted, done_fn done) {
    std::unique_lock lk(mutex_);
    if (auto it = flights_.find(k); it != flights_.end()) {
      it->second->callers.push_back({std::move(wanted), std::move(done)});
      ++joined_;
      return {admission::joined, 0};
    }
    if (flights_.size() >= capacity_locked()) {
      ++shed_;
      return {admission::shed, drain_seconds(flights_.size(), options_.threads, cost())};
    }
    auto f = std::make_shared<flight>();
    f->callers.push_back({std::move(wanted), std::move(done)});
    flights_.emplace(k, f);
    lk.unlock();
    if (!pool_->post([this, k, f, work = std::move(work)] { run(k, *f, work); })) {
      lk.lock();
      flights_.erase(k);  // closing: nothing will run it
      ++shed_;
      return {admission::shed, 1};
    }
    return {admission::started, 0};
  }

  /// Running + waiting checks allowed now.
  std::size_t capacity() const {
    std::lock_guard lk(mutex_);
    return capacity_locked();
  }

  verify_pool_stats stats() const {
    std::lock_guard lk(mutex_);
    return {computed_,         joined_, shed_, skipped_, running_, flights_.size() - running_,
            capacity_locked(), cost()};
  }

 private:
  struct caller {
    wanted_fn wanted;
    done_fn done;
  };
  struct flight {
    std::vector<caller> callers;
  };
  struct key_hash {
    std::size_t operator()(const key& k) const noexcept {
      std::size_t h;
      std::memcpy(&h, k.data(), sizeof h);  // the key is a keyed digest: already uniform
      return h;
    }
  };

  std::chrono::nanoseconds cost() const noexcept { return std::chrono::nanoseconds(cost_ns_.load()); }

  std::size_t capacity_locked() const {
    if (options_.queue_length > 0) return options_.threads + options_.queue_length;
    const auto budget = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.deadline) * 3 / 4;
    return derived_capacity(options_.threads, budget, cost());
  }

  /// The callers that still want the result, taken out of the flight, under the lock.
  std::vector<caller> take_wanting(flight& f) {
    std::vector<caller> out;
    for (auto& c : f.callers)
      if (!c.wanted || c.wanted()) out.push_back(std::move(c));
    f.callers.clear();
    return out;
  }

  void run(const key& k, flight& f, const work_fn& work) {
    {
      std::lock_guard lk(mutex_);
      bool anyone = false;
      for (auto& c : f.callers) anyone = anyone || !c.wanted || c.wanted();
      if (!anyone) {
        flights_.erase(k);
        ++skipped_;
        return;
      }
      ++running_;
    }
    std::optional<Result> result;
    const auto started = std::chrono::steady_clock::now();
    try {
      result.emplace(work());
    } catch (...) {
    }
    const auto took = std::chrono::steady_clock::now() - started;
    std::vector<caller> callers;
    {
      std::lock_guard lk(mutex_);
      --running_;
      ++computed_;
      // Moving average over about the last five checks: follows a change of parameters or
      // of load within a few logins, without jumping on one slow one.
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
      cost_ns_.store(std::max<std::int64_t>(1, (cost_ns_.load() * 4 + ns) / 5));
      callers = take_wanting(f);
      flights_.erase(k);  // after this, an identical check starts afresh
    }
    for (auto& c : callers) c.done(result);
  }

  verify_pool_options options_;
  std::atomic<std::int64_t> cost_ns_;
  mutable std::mutex mutex_;
  std::unordered_map<key, std::shared_ptr<flight>, key_hash> flights_;
  std::size_t running_ = 0;
  std::uint64_t computed_ = 0, joined_ = 0, shed_ = 0, skipped_ = 0;
  std::unique_ptr<work_pool> pool_;  // last: its threads stop before the rest goes
};

}  // namespace mercato::http
