// The projection thread: poll → apply → one atomic commit of read model + checkpoints.
#include <algorithm>
#include <charconv>
#include <deque>
#include <exception>
#include <iterator>

#include <mercato/eventstore/subscription.hpp>
#include <mercato/projections/runner.hpp>

#include "fold.hpp"

namespace mercato::projections {

namespace {

es::store_result<es::shard_seq> load_one(const es::event_store& store, const std::string& name) {
  auto v = store.load_checkpoint(name);
  if (!v) return fail(v.error());
  if (!*v) return es::shard_seq{0};
  std::uint64_t seq = 0;
  const auto& s = **v;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
  if (ec != std::errc{} || end != s.data() + s.size())
    return fail(es::store_error{es::store_errc::corruption, "checkpoint " + name + " is not a number: " + s});
  return es::shard_seq{seq};
}

/// Reads the log ahead of the runner: `readers` threads, each with a subscription to its
/// share of the shards (shard s goes to thread s mod readers), hand batches over through a
/// bounded queue. Per shard, events come out in order; across shards in any order.
class read_ahead {
 public:
  read_ahead(const es::event_store& store, const std::vector<es::shard_seq>& checkpoints, std::size_t readers,
             std::size_t batch_events, std::chrono::milliseconds wait)
      : capacity_(batch_events * (readers + 1)) {
    const std::size_t per_read = std::max<std::size_t>(1, batch_events / readers);
    for (std::size_t k = 0; k < readers; ++k) {
      std::vector<es::shard_id> shards;
      std::vector<es::shard_seq> after;
      for (std::uint32_t s = static_cast<std::uint32_t>(k); s < checkpoints.size();
           s += static_cast<std::uint32_t>(readers)) {
        shards.emplace_back(s);
        after.push_back(checkpoints[s]);
      }
      threads_.emplace_back([this, sub = store.subscribe(std::move(shards), std::move(after)), per_read,
                             wait] { read(*sub, per_read, wait); });
    }
  }
  ~read_ahead() {
    {
      std::lock_guard lock(mutex_);
      halt_ = true;
    }
    changed_.notify_all();
    for (auto& t : threads_) t.join();
  }
  read_ahead(const read_ahead&) = delete;
  read_ahead& operator=(const read_ahead&) = delete;

  /// Up to `max_events` events read so far (waits up to `wait` for the first ones).
  es::store_result<std::vector<es::recorded_event>> next(std::size_t max_events,
                                                         std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, wait, [&] { return !queue_.empty() || error_; });
    if (error_) return fail(*error_);
    std::vector<es::recorded_event> out;
    while (!queue_.empty() && (out.empty() || out.size() + queue_.front().size() <= max_events)) {
      auto& front = queue_.front();
      queued_ -= front.size();
      if (out.empty())
        out = std::move(front);
      else
        std::move(front.begin(), front.end(), std::back_inserter(out));
      queue_.pop_front();
    }
    lock.unlock();
    changed_.notify_all();
    return out;
  }

 private:
  void read(es::subscription& sub, std::size_t per_read, std::chrono::milliseconds wait) {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return halt_ || queued_ < capacity_; });
        if (halt_) return;
      }
      auto events = sub.poll(per_read, wait);
      std::lock_guard lock(mutex_);
      if (halt_) return;
      if (!events) {
        error_ = events.error();
        changed_.notify_all();
        return;
      }
      if (events->empty()) continue;
      queued_ += events->size();
      queue_.push_back(std::move(*events));
      changed_.notify_all();
    }
  }

  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<es::recorded_event>> queue_;
  std::size_t queued_ = 0;
  bool halt_ = false;
  std::optional<es::store_error> error_;
  std::vector<std::thread> threads_;  // last: started after everything above
};

}  // namespace

namespace detail {

folded fold_batch(const es::event_store& store, projection& proj, const std::string& prefix,
                  std::span<const es::recorded_event> events, const std::vector<es::shard_seq>& before) {
  folded out{es::aux_batch{}, before};
  batch_writer writer(store, prefix);
  for (const auto& e : events) {
    proj.apply(writer, e);
    out.checkpoints[e.pos.shard.value()] = e.pos.seq;
  }
  writer.flush_into(out.batch);
  for (std::uint32_t s = 0; s < before.size(); ++s)
    if (out.checkpoints[s] != before[s])
      out.batch.put_checkpoint(checkpoint_key(prefix, es::shard_id{s}),
                               std::to_string(out.checkpoints[s].value()));
  return out;
}

}  // namespace detail

es::store_result<std::vector<es::shard_seq>> load_checkpoints(const es::event_store& store,
                                                              const std::string& prefix) {
  std::vector<es::shard_seq> cps;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s) {
    auto cp = load_one(store, checkpoint_key(prefix, es::shard_id{s}));
    if (!cp) return fail(cp.error());
    cps.push_back(*cp);
  }
  return cps;
}

std::vector<shard_lag> lag_of(const es::event_store& store, std::span<const es::shard_seq> checkpoints,
                              std::int64_t now_ns) {
  std::vector<shard_lag> out;
  for (std::uint32_t s = 0; s < checkpoints.size(); ++s) {
    shard_lag l{es::shard_id{s}, store.shard_head(es::shard_id{s}), checkpoints[s], 0, 0};
    if (l.head > l.checkpoint) {
      l.events = l.head.value() - l.checkpoint.value();
      auto oldest = store.read_shard(l.shard, l.checkpoint, 1);
      if (oldest && !oldest->empty())
        l.behind_ns = std::max<std::int64_t>(0, now_ns - oldest->front().timestamp_ns);
    }
    out.push_back(l);
  }
  return out;
}

es::store_result<std::unique_ptr<projection_runner>> projection_runner::start(
    es::event_store& store, std::shared_ptr<projection> proj, std::string prefix, runner_options options) {
  if (prefix.empty() || prefix.back() != '/')
    return fail(
        es::store_error{es::store_errc::invalid_argument, "keyspace prefix must end in '/': " + prefix});
  auto cps = load_checkpoints(store, prefix);
  if (!cps) return fail(cps.error());
  return std::unique_ptr<projection_runner>(
      new projection_runner(store, std::move(proj), std::move(prefix), std::move(options), std::move(*cps)));
}

es::store_result<std::unique_ptr<projection_runner>> projection_runner::start(
    es::event_store& store, std::shared_ptr<projection> proj, runner_options options) {
  auto prefix = key_prefix(proj->name(), proj->version());
  return start(store, std::move(proj), std::move(prefix), std::move(options));
}

projection_runner::projection_runner(es::event_store& store, std::shared_ptr<projection> proj,
                                     std::string prefix, runner_options options,
                                     std::vector<es::shard_seq> checkpoints)
    : store_(store),
      proj_(std::move(proj)),
      prefix_(std::move(prefix)),
      options_(std::move(options)),
      checkpoints_(std::move(checkpoints)),
      commit_mode_(options_.commit_mode),
      thread_([this] { run(); }) {}

projection_runner::~projection_runner() {
  stop();
}

void projection_runner::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  advanced_.notify_all();
  std::lock_guard join(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

void projection_runner::run() {
  const std::size_t readers = std::clamp<std::size_t>(options_.readers, 1, store_.info().shard_count);
  while (!stop_) {
    // (Re)subscribe from the committed checkpoints: at start and after a failed batch.
    read_ahead ahead(store_, checkpoints(), readers, options_.batch_events, options_.poll_wait);
    std::string error;
    while (!stop_ && error.empty()) {
      auto events = ahead.next(options_.batch_events, options_.poll_wait);
      if (!events) {
        error = "poll: " + events.error().message;
        break;
      }
      if (events->empty()) continue;
      try {
        auto folded = detail::fold_batch(store_, *proj_, prefix_, *events, checkpoints());
        auto committed = store_.commit(std::move(folded.batch), commit_mode_.load());
        if (!committed) {
          error = "commit: " + committed.error().message;
          break;
        }
        {
          std::lock_guard lock(mutex_);
          checkpoints_ = std::move(folded.checkpoints);
          last_error_.reset();
          stats_.events_applied += events->size();
          ++stats_.batches;
        }
        advanced_.notify_all();
      } catch (const std::exception& ex) {
        error = std::string("apply: ") + ex.what();
      }
    }
    if (error.empty()) continue;
    // Nothing of the failed batch was committed; wait, then re-read it from the checkpoints.
    std::unique_lock lock(mutex_);
    last_error_ = std::string(proj_->name()) + ": " + error;
    ++stats_.failures;
    advanced_.wait_for(lock, options_.retry_delay, [this] { return stop_.load(); });
  }
}

std::vector<es::shard_seq> projection_runner::checkpoints() const {
  std::lock_guard lock(mutex_);
  return checkpoints_;
}

std::vector<shard_lag> projection_runner::lag() const {
  const auto cps = checkpoints();
  return lag_of(store_, cps, options_.clock());
}

std::uint64_t projection_runner::total_lag() const {
  std::uint64_t sum = 0;
  for (const auto& l : lag()) sum += l.events;
  return sum;
}

bool projection_runner::covered(std::span<const es::position> positions) const {
  for (const auto& p : positions)
    if (p.shard.value() >= checkpoints_.size() || checkpoints_[p.shard.value()] < p.seq) return false;
  return true;
}

bool projection_runner::wait_until(std::span<const es::position> positions,
                                   std::chrono::milliseconds timeout) const {
  for (const auto& p : positions)
    if (p.shard.value() >= store_.info().shard_count) return false;
  std::unique_lock lock(mutex_);
  advanced_.wait_for(lock, timeout, [&] { return stop_ || covered(positions); });
  return covered(positions);
}

std::optional<std::string> projection_runner::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

runner_stats projection_runner::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace mercato::projections
