// The projection thread: poll → apply → one atomic commit of read model + checkpoints.
#include <algorithm>
#include <charconv>
#include <exception>

#include <mercato/eventstore/subscription.hpp>
#include <mercato/projections/runner.hpp>

namespace mercato::projections {

namespace {

es::store_result<es::shard_seq> load_checkpoint(const es::event_store& store, const std::string& name) {
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

}  // namespace

es::store_result<std::unique_ptr<projection_runner>> projection_runner::start(
    es::event_store& store, std::shared_ptr<projection> proj, runner_options options) {
  std::vector<es::shard_seq> cps;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s) {
    auto cp = load_checkpoint(store, checkpoint_name(proj->name(), proj->version(), es::shard_id{s}));
    if (!cp) return fail(cp.error());
    cps.push_back(*cp);
  }
  return std::unique_ptr<projection_runner>(
      new projection_runner(store, std::move(proj), std::move(options), std::move(cps)));
}

projection_runner::projection_runner(es::event_store& store, std::shared_ptr<projection> proj,
                                     runner_options options, std::vector<es::shard_seq> checkpoints)
    : store_(store), proj_(std::move(proj)), options_(std::move(options)),
      checkpoints_(std::move(checkpoints)), thread_([this] { run(); }) {}

projection_runner::~projection_runner() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  advanced_.notify_all();
  thread_.join();
}

void projection_runner::run() {
  const auto prefix = key_prefix(proj_->name(), proj_->version());
  std::vector<es::shard_id> shards;
  for (std::uint32_t s = 0; s < store_.info().shard_count; ++s) shards.emplace_back(s);

  while (!stop_) {
    // (Re)subscribe from the committed checkpoints: at start and after a failed batch.
    auto sub = store_.subscribe(shards, checkpoints());
    std::string error;
    while (!stop_ && error.empty()) {
      auto events = sub->poll(options_.batch_events, options_.poll_wait);
      if (!events) {
        error = "poll: " + events.error().message;
        break;
      }
      if (events->empty()) continue;
      try {
        batch_writer out(store_, prefix);
        for (const auto& e : *events) proj_->apply(out, e);
        es::aux_batch batch;
        out.flush_into(batch);
        // The subscription's positions are exactly the last sequence of each shard handed
        // out, i.e. the checkpoints this batch brings us to.
        const auto& next = sub->positions();
        const auto before = checkpoints();
        for (std::size_t i = 0; i < next.size(); ++i)
          if (next[i] != before[i])
            batch.put_checkpoint(checkpoint_name(proj_->name(), proj_->version(), shards[i]),
                                 std::to_string(next[i].value()));
        auto committed = store_.commit(std::move(batch));
        if (!committed) {
          error = "commit: " + committed.error().message;
          break;
        }
        {
          std::lock_guard lock(mutex_);
          checkpoints_ = next;
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
  const auto now = options_.clock();
  std::vector<shard_lag> out;
  for (std::uint32_t s = 0; s < cps.size(); ++s) {
    shard_lag l{es::shard_id{s}, store_.shard_head(es::shard_id{s}), cps[s], 0, 0};
    if (l.head > l.checkpoint) {
      l.events = l.head.value() - l.checkpoint.value();
      auto oldest = store_.read_shard(l.shard, l.checkpoint, 1);
      if (oldest && !oldest->empty()) l.behind_ns = std::max<std::int64_t>(0, now - oldest->front().timestamp_ns);
    }
    out.push_back(l);
  }
  return out;
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
  return advanced_.wait_for(lock, timeout, [&] { return covered(positions); });
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
