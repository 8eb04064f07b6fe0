#pragma once
// The projection host: runs every read model of a node, each in a *generation keyspace*,
// rebuilds a projection into a fresh generation while the old one keeps serving, and swaps
// them atomically (docs/decisions/0006-projection-generations.md).
//
// Readers. One *shared runner* reads the log once for every read model that follows it in
// step: each event is decoded once and applied to all of them, and each batch is ONE
// commit of every model's writes and checkpoints (docs/decisions/0010-one-reader-for-all-
// read-models.md). A generation that is not in step catches up with a runner of its own
// and joins the shared one once it is at most `join_within_events` behind it:
//   - a build (operator rebuild, version bump): its own runner with the rebuild settings
//     (large batches, async commits, several reading threads), then the shared runner,
//     then the swap;
//   - a serving generation far behind the others at start (a read model new to this data
//     directory, an interrupted upgrade): its own runner until it has caught up;
//   - a generation whose apply() threw in the shared runner: the shared runner drops it
//     (the others go on) and it retries on its own runner, joining again once it works.
//
// Keyspaces. A projection's read model and its per-shard checkpoints live under
//   prefix = "proj/<name>/v<version>/g<generation>/"
//   read model:  projection CF, prefix + <relative key>
//   checkpoints: checkpoint CF, prefix + "checkpoints" (every shard in one record; older
//                directories: prefix + "shard/<n>", replaced at the first commit)
// and three records in the checkpoint CF say which generations exist:
//   "proj/<name>/active"   = "<version>/<generation>"  the one queries read (the pointer)
//   "proj/<name>/building" = "<version>/<generation>"  a rebuild in progress (resumed on start)
//   "proj/<name>/retiring" = "<version>/<generation>"  swapped out, to be deleted
//
// On start, per projection:
//   - no pointer: generation 0 of the code's version is created (pointer written first) and
//     serves directly while it catches up from zero;
//   - pointer at the code's version: the live runner resumes from its checkpoints;
//   - pointer at another version: the old keyspace keeps serving (frozen: its code is gone,
//     so it no longer follows the log) while the new version builds from zero; once the
//     build has caught up, ONE commit moves the pointer (and marks the old one retiring).
// rebuild(name) does the same with a new generation of the same version; there the old
// generation keeps following the log until the swap, and the swap waits until the new
// generation has applied at least everything the old one had, so read-your-writes never
// goes backwards (both in the shared runner: they advance in the same commits from then on). The retired
// keyspace is deleted (one delete-range commit) after `retire_grace`, so a query that read the old prefix
// just before the swap can finish.
//
// Thread safety: every member function may be called from any thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/common/result.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/runner.hpp>

namespace mercato::projections {

/// One generation keyspace of a projection.
struct keyspace {
  std::uint32_t version = 0;
  std::uint64_t generation = 0;
  bool operator==(const keyspace&) const = default;
};

/// "<version>/<generation>", the form of the generation records; nullopt when malformed.
std::optional<keyspace> parse_keyspace(std::string_view record);

/// "proj/<name>/v<version>/g<generation>/".
std::string keyspace_prefix(std::string_view name, keyspace ks);
/// The end of a prefix's key range: the prefix with its trailing '/' replaced by '0', so
/// [prefix, prefix_end(prefix)) is exactly the keys under it.
std::string prefix_end(std::string_view prefix);

struct host_options {
  runner_options runner;                          ///< for the shared runner and live catch-up runners
  std::chrono::milliseconds supervise_every{20};  ///< how often rebuilds are checked for a swap
  std::chrono::milliseconds retire_grace{2000};   ///< old keyspace kept this long after a swap
  /// A rebuild runner's batches: larger, and committed without fsync until the swap (still
  /// exactly-once: see runner_options::commit_mode; the synced swap commit makes them durable).
  std::size_t build_batch_events = 4096;
  es::durability build_mode = es::durability::async;
  std::size_t build_readers = 2;  ///< log-reading threads of a rebuild (runner_options::readers)
  /// A generation catching up on its own runner joins the shared runner once it is at most
  /// this many events behind every generation there (the shared runner then re-reads those
  /// events once for it; the others skip them).
  std::uint64_t join_within_events = 4096;
  /// How long the swap waits for the new generation to reach the old one's checkpoints
  /// (the old runner is stopped meanwhile); past it, the old runner restarts and the swap
  /// is retried later (last_error says so).
  std::chrono::milliseconds swap_timeout{5000};
  /// caught_up() is true while every projection is served by a live runner that is at most
  /// this many events behind the log in total.
  std::uint64_t ready_max_lag_events = 1000;
};

/// Progress of a generation being built.
struct build_status {
  keyspace target;
  std::string prefix;
  std::vector<shard_lag> lag;    ///< per shard, against the log
  std::uint64_t lag_events = 0;  ///< sum over shards
  std::uint64_t events_applied = 0;
};

struct projection_status {
  std::string name;
  std::uint32_t version = 0;  ///< the code's version
  keyspace serving;           ///< the generation queries read
  std::string active_prefix;
  bool live = false;             ///< a runner follows the log into the serving generation
  bool shared = false;           ///< ... and it is the shared runner (false: catching up alone)
  std::vector<shard_lag> lag;    ///< serving generation, per shard (events, ns behind)
  std::uint64_t lag_events = 0;  ///< sum over shards
  std::int64_t lag_ns = 0;       ///< max over shards
  std::optional<build_status> rebuilding;
  std::optional<std::string> last_error;  ///< runner (live or build) or host error, if failing
  runner_stats stats;                     ///< of the serving generation since the host started it
  std::uint64_t swaps = 0;                ///< generations swapped in since the host started
};

class host {
 public:
  /// Reads (and where needed writes) each projection's generation records, starts the
  /// runners and the supervisor thread. Fails for duplicate or invalid names, or a store
  /// error. `store` must outlive the host.
  static es::store_result<std::unique_ptr<host>> start(es::event_store& store,
                                                       std::vector<std::shared_ptr<projection>> projections,
                                                       host_options options = {});
  /// Stops every runner (a batch in flight commits whole or not at all) and the supervisor.
  ~host();
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  /// Names of the hosted projections, in start order.
  std::vector<std::string> names() const;
  /// The prefix queries of `name` read now ("" for an unknown name). May change after a
  /// swap; read it per query, not once.
  std::string active_prefix(std::string_view name) const;
  /// Read-your-writes: true once the serving generation of `name` has applied every given
  /// position; false after `timeout`, for an unknown name, or a shard the store lacks.
  /// Spans a swap (it follows whichever generation serves).
  bool wait_until(std::string_view name, std::span<const es::position> positions,
                  std::chrono::milliseconds timeout) const;
  std::vector<projection_status> status() const;
  std::optional<projection_status> status(std::string_view name) const;
  /// True while every projection is live and within options.ready_max_lag_events.
  bool caught_up() const;
  /// The shared runner's own figures (commits, events read, codec decodes).
  runner_stats shared_stats() const;

  /// Operator request: builds a new generation of `name` from zero while the current one
  /// keeps serving, then swaps atomically. Returns at once (the build is asynchronous);
  /// fails with invalid_argument for an unknown name, a projection that is not
  /// rebuildable(), or when a rebuild is already running.
  es::store_result<ok_t> rebuild(std::string_view name);

  struct impl;

 private:
  explicit host(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

/// Folds the whole log (from zero, up to the shard heads at the call; only events with
/// timestamp_ns ≤ *until_ns when given) into the keyspace at `prefix`, synchronously,
/// committing read model and checkpoints in batches exactly like a runner. The keyspace
/// should be empty (a fresh prefix); for tools (`mercato replay`) and tests.
es::store_result<ok_t> fold_offline(es::event_store& store, projection& proj, const std::string& prefix,
                                    std::optional<std::int64_t> until_ns = std::nullopt,
                                    std::size_t batch_events = 4096);

}  // namespace mercato::projections
