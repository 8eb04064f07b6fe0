#pragma once
// Runs projections: one reader of the log (catch up from the checkpoints, then follow live
// commits) feeding every projection it hosts, and one atomic commit per batch for all of
// them (docs/architecture.md "Projections", docs/decisions/0010-one-reader-for-all-read-models.md).
//
// A *feed* is one projection folding into one keyspace: its committed per-shard
// checkpoints, its stats and last error, and the read-your-writes waiters. A runner feeds
// one or many: each event is read once, decoded by the codec at most once (log_event), and
// applied to every feed whose checkpoint is below it, each feed writing through its own
// batch_writer.
//
// Exactly-once contract: for every polled batch, the read-model writes of every feed AND
// each feed's checkpoint record (every shard's position, one write per feed) go into ONE
// event_store::commit(aux_batch). A crash before that commit leaves the old checkpoints and
// none of the writes, so the batch is simply re-read; after it, both are there, for every
// feed at once. Nothing is applied twice or skipped — provided only one runner feeds a
// keyspace at a time (the host guarantees it).
//
// When a projection's apply() throws, nothing of that feed's batch is kept. A runner
// without an isolation handler (a bare runner) keeps nothing of the batch at all: it
// records the error, waits `retry_delay`, and re-reads from the committed checkpoints. A
// runner with one (the host's shared runner) commits the other feeds' batch, drops the
// failing feed and hands it to the handler, so one broken read model cannot stall the
// others. A failed commit keeps nothing, for every feed.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
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

/// What a runner reports to runner_options::on_batch (a test seam).
struct batch_report {
  enum class stage : std::uint8_t {
    folded,     ///< writes and checkpoints built, nothing committed yet
    committed,  ///< committed; the feeds' checkpoints have not moved in memory yet
  };
  stage at = stage::folded;
  std::size_t events = 0;             ///< events read in the batch
  std::vector<std::string> prefixes;  ///< keyspaces in this commit, one per feed
  std::size_t writes = 0;             ///< operations in the commit (model writes + checkpoints)
};

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
  /// by one thread, in order). Reading (and decoding the events some feed wants decoded)
  /// overlaps applying and committing; more than one spreads it over cores: for rebuilds.
  std::size_t readers = 1;
  /// Decodes events (null: codec::decode_event). Called at most once per event read.
  event_decoder decoder;
  /// Test seam (crash tests block here to be killed mid-batch): called on the runner's
  /// thread at both stages of every batch that commits. Null: nothing.
  std::function<void(const batch_report&)> on_batch;
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
  std::uint64_t events_applied = 0;  ///< events in committed batches (of a feed: that advanced it)
  std::uint64_t batches = 0;         ///< commits made (of a feed: that held its writes)
  std::uint64_t failures = 0;        ///< batches thrown away (apply threw / commit failed)
  std::uint64_t events_decoded = 0;  ///< runner only: codec decodes, at most one per event read
};

/// The committed checkpoints of the keyspace at `prefix`, one per shard of the store: its
/// checkpoint record, else the per-shard keys of the earlier form (absent = 0; projection.hpp).
es::store_result<std::vector<es::shard_seq>> load_checkpoints(const es::event_store& store,
                                                              const std::string& prefix);
/// Lag of a keyspace whose checkpoints are `checkpoints`, against the store's heads now.
std::vector<shard_lag> lag_of(const es::event_store& store, std::span<const es::shard_seq> checkpoints,
                              std::int64_t now_ns);
/// How many events `checkpoints` still lack to reach `target`: Σ over shards of
/// max(0, target − checkpoint).
std::uint64_t events_behind(std::span<const es::shard_seq> checkpoints,
                            std::span<const es::shard_seq> target);

/// One projection folding into one keyspace: what a runner feeds. Shared by the runner
/// feeding it and whoever reads its progress; it can be handed from one runner to another
/// (a catch-up runner, then the host's shared runner) and stays the same object, so
/// read-your-writes waiters span the move. Thread-safe.
class feed {
 public:
  /// Loads the committed checkpoints of the keyspace at `prefix` (a string ending in '/').
  static es::store_result<std::shared_ptr<feed>> open(const es::event_store& store,
                                                      std::shared_ptr<projection> proj, std::string prefix);

  projection& proj() const noexcept { return *proj_; }
  const std::shared_ptr<projection>& shared_proj() const noexcept { return proj_; }
  const std::string& prefix() const noexcept { return prefix_; }

  /// Committed checkpoint per shard, indexed by shard number.
  std::vector<es::shard_seq> checkpoints() const;
  /// True when every position is covered (pos.seq ≤ the checkpoint of pos.shard).
  bool covers(std::span<const es::position> positions) const;
  /// Read-your-writes: waits until every position is covered. True when covered; false
  /// after `timeout`, at once for a shard the store does not have, or when the feed is (or
  /// gets) closed.
  bool wait_until(std::span<const es::position> positions, std::chrono::milliseconds timeout) const;
  /// The last failure's message ("<name>: apply: ..."), until a batch holding it commits.
  std::optional<std::string> last_error() const;
  runner_stats stats() const;

  /// No runner will feed it again: every wait returns false from now on (idempotent).
  void close();
  bool closed() const;
  /// True until a commit has replaced the per-shard checkpoint keys of the earlier form
  /// (projection.hpp) with the keyspace's checkpoint record.
  bool legacy_checkpoints() const;

 private:
  friend class projection_runner;
  feed(std::shared_ptr<projection> proj, std::string prefix, std::vector<es::shard_seq> checkpoints,
       bool legacy);
  bool covered(std::span<const es::position> positions) const;  // needs mutex_
  void committed(std::vector<es::shard_seq> checkpoints, std::uint64_t events, bool legacy_dropped);
  void failed(std::string error);

  std::shared_ptr<projection> proj_;
  std::string prefix_;
  mutable std::mutex mutex_;
  mutable std::condition_variable advanced_;
  std::vector<es::shard_seq> checkpoints_;  // guarded by mutex_
  std::optional<std::string> last_error_;   // guarded by mutex_
  runner_stats stats_;                      // guarded by mutex_
  bool closed_ = false;                     // guarded by mutex_
  bool legacy_ = false;                     // guarded by mutex_
};

class projection_runner {
 public:
  /// Called on the runner's thread with a feed the runner has dropped because its apply
  /// threw (its error is in feed::last_error; nothing of it was committed). Must be quick
  /// and must not call back into the runner.
  using isolation_handler = std::function<void(std::shared_ptr<feed>)>;

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
  /// One reader for several feeds (none is fine: it idles until add()). Each feed must be
  /// fed by no other runner. With `isolate`, a feed whose apply throws is dropped and handed
  /// to it; without, the whole batch is retried (see the header comment).
  static std::unique_ptr<projection_runner> start(es::event_store& store,
                                                  std::vector<std::shared_ptr<feed>> feeds,
                                                  runner_options options = {},
                                                  isolation_handler isolate = nullptr);

  /// Stops the thread and closes the feeds still fed (see stop()).
  ~projection_runner();
  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  /// Stops and joins the thread now (idempotent) and closes every feed it still feeds: a
  /// batch in flight is either committed whole or not at all, checkpoints are final
  /// afterwards, and wait_until returns at once.
  void stop();
  /// Stops and joins the thread like stop() but leaves the feeds open and returns them, for
  /// another runner to feed from their checkpoints.
  std::vector<std::shared_ptr<feed>> release();
  bool stopped() const noexcept { return stop_.load(); }
  /// Changes how the following batches are committed (see runner_options::commit_mode).
  void set_commit_mode(es::durability mode) noexcept { commit_mode_ = mode; }

  /// Feeds `f` from the next batch on (returns at once). The runner then re-reads the log
  /// from the lowest checkpoint of its feeds; feeds already past an event skip it. Refused
  /// (false) once stopped.
  bool add(std::shared_ptr<feed> f);
  /// Stops feeding `f` and returns once no batch of this runner will write to it any more
  /// (at the next batch boundary); the feed stays open. False when it was not fed here.
  bool remove(const feed& f);
  /// The feeds fed now or from the next batch on (added).
  std::vector<std::shared_ptr<feed>> feeds() const;
  /// True when `f` is in every batch from now on (added and taken up, not dropped or
  /// removed): two such feeds advance in the same commits.
  bool feeding(const feed& f) const;

  // ---- a runner started for one projection: its feed -----------------------------------
  // (Not for a runner started with a list of feeds.)

  const projection& proj() const noexcept { return first_->proj(); }
  const std::string& prefix() const noexcept { return first_->prefix(); }
  std::vector<es::shard_seq> checkpoints() const { return first_->checkpoints(); }
  /// Lag of every shard (reads the shard heads now).
  std::vector<shard_lag> lag() const;
  /// Sum of lag().events.
  std::uint64_t total_lag() const;
  /// Read-your-writes on the first feed (feed::wait_until).
  bool wait_until(std::span<const es::position> positions, std::chrono::milliseconds timeout) const {
    return first_->wait_until(positions, timeout);
  }

  /// The last batch failure's message, if the last attempt failed (cleared on success).
  std::optional<std::string> last_error() const;
  /// The runner's own figures: every batch it committed, every event it read into one.
  runner_stats stats() const;

 private:
  projection_runner(es::event_store& store, std::vector<std::shared_ptr<feed>> feeds, runner_options options,
                    isolation_handler isolate);
  void run();
  struct changes;
  bool take_changes(changes& out);  // under mutex_: pending adds/removes
  void halt(bool close_feeds);

  es::event_store& store_;
  runner_options options_;
  isolation_handler isolate_;
  std::shared_ptr<feed> first_;  // the feed of a runner started for one projection

  mutable std::mutex mutex_;
  std::condition_variable changed_;            // membership change requested / applied, or stop
  std::vector<std::shared_ptr<feed>> feeds_;   // guarded by mutex_; written by the thread
  std::vector<std::shared_ptr<feed>> adding_;  // guarded by mutex_
  std::vector<const feed*> removing_;          // guarded by mutex_
  std::uint64_t removals_done_ = 0;            // guarded by mutex_
  std::optional<std::string> last_error_;      // guarded by mutex_
  runner_stats stats_;                         // guarded by mutex_
  std::atomic<std::uint64_t> decoded_{0};
  event_decoder decoder_;  // counts into decoded_, then options_.decoder or the codec

  std::atomic<bool> stop_{false};
  std::atomic<es::durability> commit_mode_;
  std::mutex join_mutex_;
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace mercato::projections
