#pragma once
// Vocabulary of the event store: ids, versions, positions, append requests and results.
// Plain value types only: no RocksDB, no Cap'n Proto, no threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/common/result.hpp>
#include <mercato/common/strong.hpp>

namespace mercato::es {

/// Number of the last event in a stream; 0 means "no events yet". The first event is 1.
using stream_version = strong<std::uint64_t, struct stream_version_tag>;
/// A shard of the log; streams map to shards by a stable hash of their id.
using shard_id = strong<std::uint32_t, struct shard_id_tag>;
/// Gap-free sequence within one shard; the first event is 1, 0 means "before the first".
using shard_seq = strong<std::uint64_t, struct shard_seq_tag>;
/// Node-wide commit order of an event; the first event is 1.
using global_position = strong<std::uint64_t, struct global_position_tag>;

/// Where an event lives in the log.
struct position {
  shard_id shard;
  shard_seq seq;
  auto operator<=>(const position&) const = default;
};

/// A stream's id: 1..256 bytes, no control characters (so '\0' can separate key parts).
class stream_id {
 public:
  /// Returns the id, or a message saying what is wrong with `text`.
  static result<stream_id, std::string> make(std::string text);
  const std::string& str() const noexcept { return value_; }
  auto operator<=>(const stream_id&) const = default;

 private:
  explicit stream_id(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

/// The optimistic-concurrency condition of an append.
class expected_version {
 public:
  enum class kind : std::uint8_t { any, no_stream, exact };
  static constexpr expected_version any() { return {kind::any, 0}; }
  static constexpr expected_version no_stream() { return {kind::no_stream, 0}; }
  static constexpr expected_version exactly(stream_version v) { return {kind::exact, v.value()}; }

  kind mode() const noexcept { return kind_; }
  stream_version version() const noexcept { return stream_version{version_}; }
  /// True when a stream currently at `current` satisfies this condition.
  bool admits(stream_version current) const noexcept {
    switch (kind_) {
      case kind::any:
        return true;
      case kind::no_stream:
        return current.value() == 0;
      case kind::exact:
        return current.value() == version_;
    }
    return false;
  }

 private:
  constexpr expected_version(kind k, std::uint64_t v) : kind_(k), version_(v) {}
  kind kind_;
  std::uint64_t version_;
};

/// One event to append, opaque to the store: its type name, the id of its schema, and its
/// bytes (a Cap'n Proto message in flat-array form whose root is that schema's struct; the
/// codec library above the store makes and reads them). The store wraps it into an Envelope.
struct event_data {
  std::string type;             ///< stable event type name, e.g. "CartItemAdded"
  std::uint64_t schema_id = 0;  ///< Cap'n Proto id of the payload's root struct
  std::string payload;          ///< flat-array message (a whole number of 8-byte words)
  std::string causation_id;     ///< optional: the message that caused this event
};

/// A key of the `projections` column family written in the same atomic batch as an
/// append: a value to put, or nullopt to delete. Lets a runtime keep small indexes (e.g.
/// the open checkouts) exactly in step with the log.
struct index_update {
  std::string key;
  std::optional<std::string> value;
};

/// All events of one command, appended atomically (all or none).
struct append_request {
  stream_id stream;
  expected_version expected = expected_version::any();
  std::vector<event_data> events;                ///< 1..max_events_per_append
  std::string idempotency_key;                   ///< optional; a repeat returns the first result
  std::string correlation_id;                    ///< optional; stored on every event
  std::vector<index_update> index_updates = {};  ///< applied only if the events are
};

/// The outcome of a durable append.
struct append_ok {
  stream_version first;             ///< version of the first appended event
  stream_version last;              ///< the stream's new version
  std::vector<position> positions;  ///< one per event, in order
  global_position first_global;     ///< commit order of the first event
  std::int64_t timestamp_ns = 0;    ///< commit time stamped on the events
  bool replayed = false;            ///< true when the idempotency key had been seen
};

enum class append_errc : std::uint8_t {
  wrong_expected_version,  ///< the stream's version did not satisfy `expected`
  invalid_request,         ///< malformed request (empty, too large, undecodable event)
  overloaded,              ///< the writer's queue is full; retry later
  io_error,                ///< the batch could not be made durable; nothing was written
  closed,                  ///< the store is closing or closed
};

struct append_error {
  append_errc code;
  std::string message;
  stream_version actual{0};  ///< the stream's version, for wrong_expected_version
};

using append_result = result<append_ok, append_error>;

/// Errors of opening and reading the store.
enum class store_errc : std::uint8_t {
  io_error,
  corruption,
  incompatible_format,  ///< unknown format version, not a Mercato directory
  config_mismatch,      ///< shard count or node id differ from the directory's
  invalid_argument,
  not_found,
};

struct store_error {
  store_errc code;
  std::string message;
};

template <class T>
using store_result = result<T, store_error>;

/// An 8-byte-aligned, unpacked copy of a stored Envelope (Cap'n Proto needs aligned input:
/// docs/library-notes.md). `bytes()` is the standard flat-array message that `capnp decode` reads.
class envelope_bytes {
 public:
  envelope_bytes() = default;
  /// Copies an unpacked (flat-array) message.
  explicit envelope_bytes(std::string_view raw);
  /// Unpacks a packed message (the stored form). Throws kj::Exception on malformed input.
  static envelope_bytes from_packed(std::string_view packed);
  std::span<const std::uint64_t> words() const noexcept { return {words_.get(), size_ / 8}; }
  std::string_view bytes() const noexcept { return {reinterpret_cast<const char*>(words_.get()), size_}; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::unique_ptr<std::uint64_t[]> words_;
  std::size_t size_ = 0;
};

/// An event as read back from the log. The event itself is inside `envelope`, opaque to the
/// store (the codec library decodes it; mercato/eventstore/envelope.hpp reads envelopes).
struct recorded_event {
  position pos;
  global_position global;
  stream_version version;
  std::int64_t timestamp_ns = 0;
  std::string stream;
  std::string type;
  envelope_bytes envelope;
};

enum class durability : std::uint8_t {
  sync,   ///< fsync before acknowledging (default)
  async,  ///< no fsync: benchmarks only, always labelled
};

enum class read_direction : std::uint8_t { forward, backward };

}  // namespace mercato::es
