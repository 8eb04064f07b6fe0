#pragma once
// Private state of event_store, shared by store.cpp (open, reads), writer.cpp (group
// commit) and subscription.cpp. Never included outside eventstore/src.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>

#include <mercato/eventstore/store.hpp>

namespace mercato::es {

/// Column families, in the order they are opened (index into impl::cf).
enum cf_index : std::size_t {
  cf_default,
  cf_events,
  cf_stream_index,
  cf_streams,
  cf_snapshots,
  cf_projections,
  cf_checkpoints,
  cf_idempotency,
  cf_meta,
  cf_count
};
extern const char* const cf_names[cf_count];

inline constexpr std::uint32_t format_version = 1;

/// Stream versions the writer has seen, approximately least-recently-used: two
/// generations; a hit in the old one is promoted; when the young one fills, the old one
/// is dropped. O(1), bounded to `capacity` entries. Writer thread only.
class version_cache {
 public:
  explicit version_cache(std::size_t capacity) : half_(capacity / 2 + 1) {}
  std::optional<std::uint64_t> find(const std::string& stream);
  void put(const std::string& stream, std::uint64_t version);

 private:
  std::size_t half_;
  std::unordered_map<std::string, std::uint64_t> young_, old_;
};

struct pending_append {
  append_request request;
  std::function<void(append_result)> done;
};

struct staged_batch;

struct event_store::impl {
  store_options options;
  store_info info;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cf;  // owned; destroyed before db
  rocksdb::WriteOptions write_options;

  // Committed heads, published by the writer after each durable batch.
  std::unique_ptr<std::atomic<std::uint64_t>[]> shard_heads;
  std::atomic<std::uint64_t> global_head{0};
  std::atomic<bool> healthy{true};

  // Commit notification for subscriptions.
  mutable std::mutex commit_mutex;
  mutable std::condition_variable commit_cv;
  std::uint64_t epoch = 0;  // guarded by commit_mutex
  std::atomic<std::uint64_t> epoch_relaxed{0};

  // Writer queue.
  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  std::deque<pending_append> queue;  // guarded by queue_mutex
  bool stopping = false;             // guarded by queue_mutex
  std::thread writer;                // stages batches (versions, sequences, envelopes)
  std::thread committer;             // writes them (synced) and answers their requests

  // Hand-over of one staged batch from the writer to the committer.
  std::mutex slot_mutex;
  std::condition_variable slot_cv;
  std::shared_ptr<staged_batch> slot;  // guarded by slot_mutex
  bool committer_stopping = false;     // guarded by slot_mutex
  bool committer_busy = false;         // a batch is being written (by either thread)

  mutable std::mutex stats_mutex;
  writer_stats stats;  // guarded by stats_mutex

  // Writer-thread-only state: runs ahead of the durable state by at most one batch.
  version_cache versions;
  std::vector<std::uint64_t> staged_heads;
  std::uint64_t staged_global = 0;
  std::int64_t last_timestamp = 0;

  explicit impl(store_options o) : options(std::move(o)), versions(options.stream_cache_entries) {}
  ~impl();

  std::uint32_t shard_of(std::string_view stream) const noexcept;
  void start_writer();
  void stop_writer();
  void writer_loop();
  void committer_loop();
  /// Writes one staged batch, publishes it, answers its requests. `written` runs right
  /// after the RocksDB write, before the answers.
  void commit_batch(staged_batch& b, const std::function<void()>& written = {});
  void publish_commit(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& heads,
                      std::uint64_t global);

  store_result<std::uint64_t> read_stream_version(const std::string& stream) const;
  store_result<recorded_event> decode(std::string_view key, std::string_view value) const;
};

store_error io_error(const rocksdb::Status& s, std::string_view what);
/// Decodes a stored idempotency record (writer.cpp); nullopt if malformed.
std::optional<append_ok> decode_idempotency_record(std::string_view s);

}  // namespace mercato::es
