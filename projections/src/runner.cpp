// The runner thread: read once → decode once → apply to every feed → one atomic commit of
// every feed's read model and checkpoints. And the feeds themselves.
#include <algorithm>
#include <deque>
#include <exception>
#include <iterator>
#include <utility>

#include <mercato/eventstore/subscription.hpp>
#include <mercato/projections/runner.hpp>

#include "fold.hpp"

namespace mercato::projections {

namespace {

es::store_error bad_prefix(const std::string& prefix) {
  return es::store_error{es::store_errc::invalid_argument, "keyspace prefix must end in '/': " + prefix};
}

/// Which fed projections want which events decoded: a projection past an event (its
/// checkpoint at the subscription) will skip it, so nobody decodes it for that one.
struct decode_interest {
  const projection* proj;
  std::vector<es::shard_seq> from;
};

/// Reads the log ahead of the runner: `readers` threads, each with a subscription to its
/// share of the shards (shard s goes to thread s mod readers), hand batches over through a
/// bounded queue. Per shard, events come out in order; across shards in any order. Each
/// event some projection wants decoded is decoded here, on the reading thread, once.
class read_ahead {
 public:
  read_ahead(const es::event_store& store, const std::vector<es::shard_seq>& after, std::size_t readers,
             std::size_t batch_events, std::chrono::milliseconds wait, std::vector<decode_interest> interest,
             const event_decoder* decoder)
      : capacity_(batch_events * (readers + 1)), interest_(std::move(interest)), decoder_(decoder) {
    const std::size_t per_read = std::max<std::size_t>(1, batch_events / readers);
    for (std::size_t k = 0; k < readers; ++k) {
      std::vector<es::shard_id> shards;
      std::vector<es::shard_seq> from;
      for (std::uint32_t s = static_cast<std::uint32_t>(k); s < after.size();
           s += static_cast<std::uint32_t>(readers)) {
        shards.emplace_back(s);
        from.push_back(after[s]);
      }
      threads_.emplace_back([this, sub = store.subscribe(std::move(shards), std::move(from)), per_read,
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
  es::store_result<std::vector<log_event>> next(std::size_t max_events, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, wait, [&] { return !queue_.empty() || error_; });
    if (error_) return fail(*error_);
    std::vector<log_event> out;
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
  bool wanted(const es::recorded_event& e) const {
    for (const auto& i : interest_)
      if (e.pos.seq > i.from[e.pos.shard.value()] && i.proj->wants_decoded(e)) return true;
    return false;
  }

  void read(es::subscription& sub, std::size_t per_read, std::chrono::milliseconds wait) {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return halt_ || queued_ < capacity_; });
        if (halt_) return;
      }
      auto polled = sub.poll(per_read, wait);
      std::vector<log_event> events;
      if (polled) {
        events.reserve(polled->size());
        for (auto& e : *polled) {
          const bool decode = wanted(e);
          events.emplace_back(std::move(e), decoder_);
          if (decode) events.back().decode();
        }
      }
      std::lock_guard lock(mutex_);
      if (halt_) return;
      if (!polled) {
        error_ = polled.error();
        changed_.notify_all();
        return;
      }
      if (events.empty()) continue;
      queued_ += events.size();
      queue_.push_back(std::move(events));
      changed_.notify_all();
    }
  }

  const std::size_t capacity_;
  const std::vector<decode_interest> interest_;
  const event_decoder* decoder_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<log_event>> queue_;
  std::size_t queued_ = 0;
  bool halt_ = false;
  std::optional<es::store_error> error_;
  std::vector<std::thread> threads_;  // last: started after everything above
};

/// Per shard, the lowest checkpoint of the feeds: where a shared subscription starts.
std::vector<es::shard_seq> lowest(const std::vector<std::shared_ptr<feed>>& feeds,
                                  std::vector<std::vector<es::shard_seq>>& each) {
  std::vector<es::shard_seq> low;
  for (const auto& f : feeds) {
    each.push_back(f->checkpoints());
    if (low.empty())
      low = each.back();
    else
      for (std::size_t s = 0; s < low.size(); ++s) low[s] = std::min(low[s], each.back()[s]);
  }
  return low;
}

}  // namespace

// ---- free functions -------------------------------------------------------------------

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

std::uint64_t events_behind(std::span<const es::shard_seq> checkpoints,
                            std::span<const es::shard_seq> target) {
  std::uint64_t behind = 0;
  for (std::size_t s = 0; s < checkpoints.size() && s < target.size(); ++s)
    if (target[s] > checkpoints[s]) behind += target[s].value() - checkpoints[s].value();
  return behind;
}

// ---- feed -----------------------------------------------------------------------------

es::store_result<std::shared_ptr<feed>> feed::open(const es::event_store& store,
                                                   std::shared_ptr<projection> proj, std::string prefix) {
  if (prefix.empty() || prefix.back() != '/') return fail(bad_prefix(prefix));
  auto cps = detail::load_stored(store, prefix);
  if (!cps) return fail(cps.error());
  return std::shared_ptr<feed>(
      new feed(std::move(proj), std::move(prefix), std::move(cps->seqs), cps->legacy));
}

feed::feed(std::shared_ptr<projection> proj, std::string prefix, std::vector<es::shard_seq> checkpoints,
           bool legacy)
    : proj_(std::move(proj)),
      prefix_(std::move(prefix)),
      checkpoints_(std::move(checkpoints)),
      legacy_(legacy) {}

bool feed::legacy_checkpoints() const {
  std::lock_guard lock(mutex_);
  return legacy_;
}

std::vector<es::shard_seq> feed::checkpoints() const {
  std::lock_guard lock(mutex_);
  return checkpoints_;
}

bool feed::covered(std::span<const es::position> positions) const {
  for (const auto& p : positions)
    if (p.shard.value() >= checkpoints_.size() || checkpoints_[p.shard.value()] < p.seq) return false;
  return true;
}

bool feed::covers(std::span<const es::position> positions) const {
  std::lock_guard lock(mutex_);
  return covered(positions);
}

bool feed::wait_until(std::span<const es::position> positions, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  for (const auto& p : positions)
    if (p.shard.value() >= checkpoints_.size()) return false;
  advanced_.wait_for(lock, timeout, [&] { return closed_ || covered(positions); });
  return covered(positions);
}

std::optional<std::string> feed::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

runner_stats feed::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void feed::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  advanced_.notify_all();
}

bool feed::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void feed::committed(std::vector<es::shard_seq> checkpoints, std::uint64_t events, bool legacy_dropped) {
  {
    std::lock_guard lock(mutex_);
    checkpoints_ = std::move(checkpoints);
    legacy_ = legacy_ && !legacy_dropped;
    last_error_.reset();
    stats_.events_applied += events;
    ++stats_.batches;
  }
  advanced_.notify_all();
}

void feed::failed(std::string error) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(error);
  ++stats_.failures;
}

// ---- runner ---------------------------------------------------------------------------

struct projection_runner::changes {
  bool added = false;    // feeds joined: the subscription must start again lower
  bool removed = false;  // feeds left
};

es::store_result<std::unique_ptr<projection_runner>> projection_runner::start(
    es::event_store& store, std::shared_ptr<projection> proj, std::string prefix, runner_options options) {
  auto f = feed::open(store, std::move(proj), std::move(prefix));
  if (!f) return fail(f.error());
  return std::unique_ptr<projection_runner>(
      new projection_runner(store, {std::move(*f)}, std::move(options), {}));
}

es::store_result<std::unique_ptr<projection_runner>> projection_runner::start(
    es::event_store& store, std::shared_ptr<projection> proj, runner_options options) {
  auto prefix = key_prefix(proj->name(), proj->version());
  return start(store, std::move(proj), std::move(prefix), std::move(options));
}

std::unique_ptr<projection_runner> projection_runner::start(es::event_store& store,
                                                            std::vector<std::shared_ptr<feed>> feeds,
                                                            runner_options options,
                                                            isolation_handler isolate) {
  return std::unique_ptr<projection_runner>(
      new projection_runner(store, std::move(feeds), std::move(options), std::move(isolate)));
}

projection_runner::projection_runner(es::event_store& store, std::vector<std::shared_ptr<feed>> feeds,
                                     runner_options options, isolation_handler isolate)
    : store_(store),
      options_(std::move(options)),
      isolate_(std::move(isolate)),
      first_(feeds.empty() ? nullptr : feeds.front()),
      adding_(std::move(feeds)),
      decoder_([this](const es::recorded_event& e) {
        decoded_.fetch_add(1, std::memory_order_relaxed);
        return options_.decoder ? options_.decoder(e) : codec::decode_event(e);
      }),
      commit_mode_(options_.commit_mode),
      thread_([this] { run(); }) {}

projection_runner::~projection_runner() {
  stop();
}

void projection_runner::halt(bool close_feeds) {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  {
    std::lock_guard join(join_mutex_);
    if (thread_.joinable()) thread_.join();
  }
  if (!close_feeds) return;
  for (const auto& f : feeds()) f->close();
}

void projection_runner::stop() {
  halt(true);
}

std::vector<std::shared_ptr<feed>> projection_runner::release() {
  halt(false);
  std::lock_guard lock(mutex_);
  return std::exchange(feeds_, {});  // handed over: not closed by stop() or the destructor
}

bool projection_runner::add(std::shared_ptr<feed> f) {
  {
    std::lock_guard lock(mutex_);
    if (stop_) return false;
    adding_.push_back(std::move(f));
  }
  changed_.notify_all();
  return true;
}

bool projection_runner::remove(const feed& f) {
  std::unique_lock lock(mutex_);
  const auto is = [&](const std::shared_ptr<feed>& p) { return p.get() == &f; };
  if (auto it = std::find_if(adding_.begin(), adding_.end(), is); it != adding_.end()) {
    adding_.erase(it);
    return true;
  }
  auto it = std::find_if(feeds_.begin(), feeds_.end(), is);
  if (it == feeds_.end()) return false;
  if (stop_) {  // no thread to do it: nothing can write to it any more
    feeds_.erase(it);
    return true;
  }
  removing_.push_back(&f);
  const auto ticket = removals_done_ + removing_.size();
  changed_.notify_all();
  changed_.wait(lock, [&] { return removals_done_ >= ticket || stop_; });
  if (auto left = std::find_if(feeds_.begin(), feeds_.end(), is); left != feeds_.end()) feeds_.erase(left);
  return true;
}

std::vector<std::shared_ptr<feed>> projection_runner::feeds() const {
  std::lock_guard lock(mutex_);
  auto out = feeds_;
  out.insert(out.end(), adding_.begin(), adding_.end());
  return out;
}

bool projection_runner::feeding(const feed& f) const {
  std::lock_guard lock(mutex_);
  return !stop_ && std::any_of(feeds_.begin(), feeds_.end(), [&](const auto& p) { return p.get() == &f; }) &&
         std::find(removing_.begin(), removing_.end(), &f) == removing_.end();
}

bool projection_runner::take_changes(changes& out) {
  out = {};
  if (!adding_.empty()) {
    feeds_.insert(feeds_.end(), adding_.begin(), adding_.end());
    adding_.clear();
    out.added = true;
  }
  if (!removing_.empty()) {
    for (const auto* r : removing_)
      std::erase_if(feeds_, [&](const std::shared_ptr<feed>& p) { return p.get() == r; });
    removals_done_ += removing_.size();
    removing_.clear();
    out.removed = true;
  }
  return out.added || out.removed;
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

std::optional<std::string> projection_runner::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

runner_stats projection_runner::stats() const {
  std::lock_guard lock(mutex_);
  auto s = stats_;
  s.events_decoded = decoded_.load(std::memory_order_relaxed);
  return s;
}

void projection_runner::run() {
  const std::size_t readers = std::clamp<std::size_t>(options_.readers, 1, store_.info().shard_count);
  changes changed;
  while (!stop_) {
    // Membership at a batch boundary; the subscription starts at the lowest checkpoint.
    std::vector<std::shared_ptr<feed>> feeds;
    {
      std::unique_lock lock(mutex_);
      if (take_changes(changed)) changed_.notify_all();
      if (feeds_.empty()) {
        changed_.wait_for(lock, options_.poll_wait,
                          [this] { return stop_ || !adding_.empty() || !removing_.empty(); });
        continue;
      }
      feeds = feeds_;
    }
    std::vector<std::vector<es::shard_seq>> from;
    const auto start = lowest(feeds, from);
    std::vector<decode_interest> interest;
    for (std::size_t k = 0; k < feeds.size(); ++k) interest.push_back({&feeds[k]->proj(), from[k]});
    read_ahead ahead(store_, start, readers, options_.batch_events, options_.poll_wait, std::move(interest),
                     &decoder_);

    std::string error;              // poll or commit failed, or apply threw without isolation
    std::shared_ptr<feed> culprit;  // whose apply threw (else every feed is to blame)
    while (!stop_ && error.empty()) {
      {
        std::lock_guard lock(mutex_);
        if (!adding_.empty()) break;  // re-subscribe lower for the newcomers
        if (take_changes(changed)) {
          changed_.notify_all();
          feeds = feeds_;
          if (feeds.empty()) break;
        }
      }
      auto events = ahead.next(options_.batch_events, options_.poll_wait);
      if (!events) {
        error = "poll: " + events.error().message;
        break;
      }
      if (events->empty()) continue;

      std::vector<detail::fold_target> targets;
      targets.reserve(feeds.size());
      for (const auto& f : feeds) {
        targets.emplace_back(store_, f->proj(), f->prefix(), f->checkpoints());
        targets.back().drop_legacy = f->legacy_checkpoints();
      }
      detail::fold(*events, targets);

      es::aux_batch batch;
      batch_report report;
      std::vector<std::size_t> isolated;
      for (std::size_t k = 0; k < targets.size(); ++k) {
        if (targets[k].error) {
          isolated.push_back(k);
          continue;
        }
        detail::add_to(batch, targets[k]);
        if (options_.on_batch) report.prefixes.push_back(feeds[k]->prefix());
      }
      if (!isolated.empty() && !isolate_) {
        culprit = feeds[isolated.front()];
        error = "apply: " + *targets[isolated.front()].error;
        break;
      }
      // Nothing to commit when no feed moved (a re-read below every feed's checkpoint).
      const bool moved = batch.count() > 0;
      if (moved && options_.on_batch) {
        report.events = events->size();
        report.writes = batch.count();
        options_.on_batch(report);
      }
      if (moved) {
        if (auto c = store_.commit(std::move(batch), commit_mode_.load()); !c) {
          error = "commit: " + c.error().message;
          break;
        }
      }
      if (moved && options_.on_batch) {
        report.at = batch_report::stage::committed;
        options_.on_batch(report);
      }
      {
        std::lock_guard lock(mutex_);
        if (moved) {
          last_error_.reset();
          stats_.events_applied += events->size();
          ++stats_.batches;
        }
        for (auto k : isolated)
          std::erase_if(feeds_, [&](const std::shared_ptr<feed>& p) { return p == feeds[k]; });
      }
      // Then the feeds' checkpoints move (and their waiters wake).
      for (std::size_t k = 0; k < targets.size(); ++k)
        if (moved && !targets[k].error)
          feeds[k]->committed(std::move(targets[k].after), targets[k].applied, targets[k].legacy_dropped);
      // Dropped feeds: nothing of theirs was committed; whoever takes them re-reads for them.
      for (auto it = isolated.rbegin(); it != isolated.rend(); ++it) {
        auto f = feeds[*it];
        f->failed(std::string(f->proj().name()) + ": apply: " + *targets[*it].error);
        feeds.erase(feeds.begin() + static_cast<std::ptrdiff_t>(*it));
        isolate_(std::move(f));
      }
      if (feeds.empty()) break;
    }
    if (error.empty()) continue;
    // Nothing of the failed batch was committed; wait, then re-read it from the checkpoints.
    for (const auto& f : feeds)
      if (!culprit || f == culprit) f->failed(std::string(f->proj().name()) + ": " + error);
    std::unique_lock lock(mutex_);
    const auto& blamed = culprit ? culprit : feeds.front();
    last_error_ = std::string(blamed->proj().name()) + ": " + error;
    ++stats_.failures;
    changed_.wait_for(lock, options_.retry_delay,
                      [this] { return stop_.load() || !adding_.empty() || !removing_.empty(); });
  }
  std::lock_guard lock(mutex_);
  removals_done_ += removing_.size();  // nothing writes to them any more
  std::erase_if(feeds_, [&](const std::shared_ptr<feed>& p) {
    return std::find(removing_.begin(), removing_.end(), p.get()) != removing_.end();
  });
  removing_.clear();
  feeds_.insert(feeds_.end(), adding_.begin(), adding_.end());
  adding_.clear();
  changed_.notify_all();
}

}  // namespace mercato::projections
