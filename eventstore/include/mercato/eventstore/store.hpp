#pragma once
// The durable, sharded, append-only event log of one node (docs/architecture.md "The log").
//
// Thread safety: every member function may be called from any thread. Appends go to one
// group-commit writer thread; reads and subscriptions read RocksDB directly and never
// wait for the writer.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mercato/common/clock.hpp>
#include <mercato/eventstore/types.hpp>

namespace mercato::es {

class subscription;
class all_reader;

struct store_options {
  std::filesystem::path data_dir;
  std::string node_id = "node-1";
  std::uint32_t shard_count = 64;  ///< used when creating; must match when opening
  durability mode = durability::sync;
  std::size_t max_batch_requests = 1024;      ///< requests drained into one WriteBatch
  std::size_t write_queue_limit = 65536;      ///< pending requests before `overloaded`
  std::size_t stream_cache_entries = 100000;  ///< stream versions the writer keeps in memory
  std::size_t max_events_per_append = 1000;
  std::size_t block_cache_bytes = 64u << 20;
  /// Open for reading only (tools): appends fail with `closed`, the directory's shard count
  /// and node id are adopted, and the view is the point in time of opening.
  bool read_only = false;
  clock_fn clock = system_now_ns;
};

/// What a data directory records about itself.
struct store_info {
  std::uint32_t format_version;
  std::string node_id;
  std::uint32_t shard_count;
  std::int64_t created_at_ns;
  durability mode;
};

/// A snapshot of an entity's state at a stream version.
struct snapshot_record {
  stream_version version;
  std::string state;  ///< serialized mercato::schema::Snapshot
};

/// A set of non-event writes applied atomically: snapshots, named checkpoints and
/// projection keys. Built by the caller, committed by event_store::commit.
class aux_batch {
 public:
  aux_batch();
  ~aux_batch();
  aux_batch(aux_batch&&) noexcept;
  aux_batch& operator=(aux_batch&&) noexcept;

  void put_snapshot(const stream_id& stream, stream_version version, std::string_view state);
  void put_checkpoint(std::string_view name, std::string_view value);
  void delete_checkpoint(std::string_view name);
  void put_projection(std::string_view key, std::string_view value);
  void delete_projection(std::string_view key);
  /// Deletes every projection key in [begin, end).
  void delete_projection_range(std::string_view begin, std::string_view end);
  std::size_t count() const noexcept;

 private:
  friend class event_store;
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Cumulative figures of the group-commit writer (for /metrics and benchmarks).
struct writer_stats {
  std::uint64_t batches = 0;   ///< RocksDB writes made
  std::uint64_t requests = 0;  ///< append requests answered (incl. refused ones)
  std::uint64_t events = 0;    ///< events made durable
  std::uint64_t bytes = 0;     ///< WriteBatch bytes written
  std::uint64_t stage_ns = 0;  ///< time spent building batches
  std::uint64_t write_ns = 0;  ///< time spent in the (synced) RocksDB write
  std::uint64_t max_batch_requests = 0;
};

class event_store {
 public:
  /// Opens the data directory, creating it (with `shard_count` shards) when it is empty.
  /// Fails with incompatible_format for an unknown format version or a directory that is
  /// not Mercato's, and with config_mismatch when shard count or node id differ; the
  /// message says what to do.
  static store_result<std::unique_ptr<event_store>> open(store_options options);

  /// Stops accepting appends, commits everything already queued, then closes RocksDB.
  ~event_store();
  event_store(const event_store&) = delete;
  event_store& operator=(const event_store&) = delete;

  const store_info& info() const noexcept;
  /// The shard a stream belongs to: xxHash64(stream id) mod shard_count.
  shard_id shard_of(const stream_id& stream) const noexcept;

  // ---- appends -------------------------------------------------------------------------

  /// Queues `request` for the group-commit writer. `done` runs exactly once, on a writer
  /// thread, after the batch holding the request is durable (or failed); it must be quick
  /// and must not call append() (it may call append_async()).
  void append_async(append_request request, std::function<void(append_result)> done);
  /// Appends and waits until the events are durable. Never throws for a conflict.
  append_result append(append_request request);

  // ---- reads (never wait for the writer) -----------------------------------------------

  /// The first result of the command that used `key` on `stream`, if any (replayed=true).
  store_result<std::optional<append_ok>> find_idempotent(const stream_id& stream, std::string_view key) const;
  /// The stream's current version (0 if it has no events).
  store_result<stream_version> stream_head(const stream_id& stream) const;
  /// Up to `max_count` events of `stream` starting at version `from` (inclusive), going
  /// forward or backward. Backward from version 0 means "from the last event".
  store_result<std::vector<recorded_event>> read_stream(const stream_id& stream, stream_version from,
                                                        read_direction direction,
                                                        std::size_t max_count) const;
  /// Up to `max_count` events of `shard` with sequence > `after`, in order.
  store_result<std::vector<recorded_event>> read_shard(shard_id shard, shard_seq after,
                                                       std::size_t max_count) const;
  /// The last committed sequence of a shard (0 if empty).
  shard_seq shard_head(shard_id shard) const noexcept;
  /// The last committed global position (0 if the log is empty).
  global_position global_head() const noexcept;

  /// A point-in-time reader over all shards merged by commit order, starting after
  /// global position `after`.
  store_result<std::unique_ptr<all_reader>> read_all(global_position after) const;
  /// The same over some shards only (merged by commit order among themselves): readers of
  /// disjoint shard sets can run on several threads and be merged by global position.
  store_result<std::unique_ptr<all_reader>> read_all(global_position after,
                                                     std::span<const shard_id> shards) const;

  /// A pull-based subscription: catches up from `after` (one position per shard, missing
  /// shards start at 0) then follows live commits. See subscription.hpp.
  std::unique_ptr<subscription> subscribe(std::vector<shard_id> shards, std::vector<shard_seq> after) const;

  // ---- snapshots, checkpoints, projection state ------------------------------------------

  store_result<std::optional<snapshot_record>> load_snapshot(const stream_id& stream) const;
  store_result<std::optional<std::string>> load_checkpoint(std::string_view name) const;
  store_result<std::optional<std::string>> load_projection(std::string_view key) const;
  /// Visits projection keys in [begin, end) in order until `visit` returns false.
  store_result<ok_t> scan_projection(
      std::string_view begin, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  /// Applies `batch` atomically, independent of the event writer: fsynced when both the
  /// store and `mode` say sync (pass async for data that can be rebuilt, e.g. snapshots).
  store_result<ok_t> commit(aux_batch batch, durability mode = durability::sync);

  /// Waits until a commit after `epoch` happens or `timeout` passes; returns the current
  /// commit epoch. Used by subscriptions to follow live commits without polling.
  std::uint64_t wait_for_commit(std::uint64_t epoch, std::chrono::milliseconds timeout) const;
  std::uint64_t commit_epoch() const noexcept;

  // ---- maintenance (operators and tools; see maintenance.hpp for backups at rest) --------

  /// Backs this open store up into the RocksDB backup directory `backup_dir` (created if
  /// missing; incremental: files already there are shared). Safe while appends run: the
  /// backup is a consistent point-in-time copy. Fails on a read-only store.
  store_result<std::uint32_t> create_backup(const std::filesystem::path& backup_dir) const;
  /// Reads every table file and checks its block checksums. Corruption names the file.
  store_result<ok_t> verify_checksums() const;

  /// True until a write failed; after that appends fail with io_error.
  bool healthy() const noexcept;
  /// A consistent copy of the writer's cumulative figures.
  writer_stats stats() const;

  struct impl;

 private:
  explicit event_store(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace mercato::es
