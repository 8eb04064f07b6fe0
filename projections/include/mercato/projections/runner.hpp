#pragma once
// Runs one projection on its own thread: catch up from its per-shard checkpoints, then
// follow live commits (docs/architecture.md "Projections").
//
// Exactly-once contract: for every polled batch, the read-model writes AND the new
// checkpoints of the shards the batch touched go into ONE event_store::commit(aux_batch)
// (synced). A crash before that commit leaves the old checkpoints and none of the writes,
// so the batch is simply re-read; after it, both are there. Nothing is applied twice or
// skipped — provided only one runner per (projection, version) runs against a store.
//
// When apply() throws or the commit fails, nothing of the batch is kept: the runner
// records the error, waits `retry_delay`, and resubscribes from its committed checkpoints.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <mercato/common/clock.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>

namespace mercato::projections {

struct runner_options {
  std::size_t batch_events = 1000;             ///< most events applied per commit
  std::chrono::milliseconds poll_wait{50};     ///< idle wait; bounds stop latency
  std::chrono::milliseconds retry_delay{500};  ///< after a failed batch
  clock_fn clock = system_now_ns;              ///< for lag in time
  /// How batches are committed. sync (default) fsyncs each batch. async is still
  /// exactly-once (a batch's writes and checkpoints are one atomic write, and a crash loses
  /// only a suffix of batches, which are re-read) but loses work on a crash: for rebuilds
  /// and benchmarks.
  es::durability commit_mode = es::durability::sync;
  /// Threads reading the log ahead of apply, the shards split among them (each shard is read
  /// by one thread, in order). Reading overlaps applying and committing; more than one
  /// spreads the reading (envelope decoding) over cores: for rebuilds.
  std::size_t readers = 1;
};

/// How far one shard of a projection is behind the log.
struct shard_lag {
  es::shard_id shard;
  es::shard_seq head;          ///< last committed sequence of the shard
  es::shard_seq checkpoint;    ///< last sequence the projection has committed
  std::uint64_t events = 0;    ///< head − checkpoint
  std::int64_t behind_ns = 0;  ///< age of the oldest event not yet applied (0 when none)
};

struct runner_stats {
  std::uint64_t events_applied = 0;  ///< events in committed batches, since start
  std::uint64_t batches = 0;         ///< commits made, since start
  std::uint64_t failures = 0;        ///< batches thrown away (apply threw / commit failed)
};

/// The committed checkpoints of the keyspace at `prefix`, one per shard of the store
/// (checkpoint CF keys checkpoint_key(prefix, shard); absent = 0).
es::store_result<std::vector<es::shard_seq>> load_checkpoints(const es::event_store& store,
                                                              const std::string& prefix);
/// Lag of a keyspace whose checkpoints are `checkpoints`, against the store's heads now.
std::vector<shard_lag> lag_of(const es::event_store& store, std::span<const es::shard_seq> checkpoints,
                              std::int64_t now_ns);

class projection_runner {
 public:
  /// Loads the checkpoints of the keyspace at `prefix` (synchronously, so a broken one is
  /// reported here) and starts the thread, which writes read model and checkpoints under
  /// `prefix` (a string ending in '/'). `store` must outlive the runner.
  static es::store_result<std::unique_ptr<projection_runner>> start(es::event_store& store,
                                                                    std::shared_ptr<projection> proj,
                                                                    std::string prefix,
                                                                    runner_options options = {});
  /// The same in the unversioned-generation keyspace key_prefix(name, version) (tests and
  /// tools that run a bare runner; the host uses generation keyspaces).
  static es::store_result<std::unique_ptr<projection_runner>> start(es::event_store& store,
                                                                    std::shared_ptr<projection> proj,
                                                                    runner_options options = {});

  /// Stops the thread and joins it. A batch in flight is either committed whole or not at
  /// all; the next start resumes from the committed checkpoints.
  ~projection_runner();
  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  /// Stops and joins the thread now (idempotent); checkpoints() is final afterwards, and
  /// wait_until returns at once.
  void stop();
  bool stopped() const noexcept { return stop_.load(); }
  /// Changes how the following batches are committed (see runner_options::commit_mode).
  void set_commit_mode(es::durability mode) noexcept { commit_mode_ = mode; }

  const projection& proj() const noexcept { return *proj_; }
  const std::string& prefix() const noexcept { return prefix_; }

  /// Committed checkpoint per shard, indexed by shard number.
  std::vector<es::shard_seq> checkpoints() const;
  /// Lag of every shard (reads the shard heads now).
  std::vector<shard_lag> lag() const;
  /// Sum of lag().events.
  std::uint64_t total_lag() const;

  /// Read-your-writes: waits until every given position is covered (pos.seq ≤ the
  /// checkpoint of pos.shard). True when covered; false after `timeout`, at once for a
  /// shard the store does not have, or when the runner is (or gets) stopped.
  bool wait_until(std::span<const es::position> positions, std::chrono::milliseconds timeout) const;

  /// The last batch failure's message, if the last attempt failed (cleared on success).
  std::optional<std::string> last_error() const;
  runner_stats stats() const;

 private:
  projection_runner(es::event_store& store, std::shared_ptr<projection> proj, std::string prefix,
                    runner_options options, std::vector<es::shard_seq> checkpoints);
  void run();
  bool covered(std::span<const es::position> positions) const;  // needs mutex_

  es::event_store& store_;
  std::shared_ptr<projection> proj_;
  std::string prefix_;
  runner_options options_;

  mutable std::mutex mutex_;
  mutable std::condition_variable advanced_;
  std::vector<es::shard_seq> checkpoints_;  // guarded by mutex_
  std::optional<std::string> last_error_;   // guarded by mutex_
  runner_stats stats_;                      // guarded by mutex_

  std::atomic<bool> stop_{false};
  std::atomic<es::durability> commit_mode_;
  std::mutex join_mutex_;
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace mercato::projections
