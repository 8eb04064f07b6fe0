#pragma once
// Reading the log in order: a live subscription per set of shards, and a point-in-time
// reader of all shards merged by commit order.
#include <chrono>
#include <memory>
#include <vector>

#include <mercato/eventstore/types.hpp>

namespace mercato::es {

class event_store;

/// Pull-based: each poll() reads the next events straight from the store, so the writer
/// never buffers for a subscriber and a slow subscriber only falls behind (bounded memory,
/// no back-pressure on appends). Gap-free and duplicate-free per shard: it hands out
/// sequence after sequence, because every shard's visible log is a gap-free prefix.
///
/// Not thread-safe: one consumer thread per subscription.
class subscription {
 public:
  subscription(const event_store& store, std::vector<shard_id> shards, std::vector<shard_seq> after);

  /// Returns up to `max_events` new events (in shard order within each shard, shards
  /// interleaved fairly). Waits up to `wait` when there is nothing new; an empty vector
  /// means nothing arrived in time.
  store_result<std::vector<recorded_event>> poll(std::size_t max_events, std::chrono::milliseconds wait);
  /// The last sequence handed out per subscribed shard (same order as `shards()`).
  const std::vector<shard_seq>& positions() const noexcept { return after_; }
  const std::vector<shard_id>& shards() const noexcept { return shards_; }

 private:
  store_result<std::vector<recorded_event>> read_available(std::size_t max_events);

  const event_store& store_;
  std::vector<shard_id> shards_;
  std::vector<shard_seq> after_;
  std::size_t next_ = 0;  // round-robin start
};

/// All shards merged by global commit order, over one consistent point-in-time view.
class all_reader {
 public:
  virtual ~all_reader() = default;
  /// Up to `max_events` next events; empty when the view is exhausted.
  virtual store_result<std::vector<recorded_event>> next(std::size_t max_events) = 0;
};

}  // namespace mercato::es
