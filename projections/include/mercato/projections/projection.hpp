#pragma once
// A projection: a named, versioned, deterministic fold of the whole log (all shards) into
// read-model keys of the store's `projections` column family (docs/architecture.md
// "Projections"). Projections never talk to actors; they only see recorded events.
//
// Key layout: a projection writes under a keyspace prefix given to its runner (the host's
// generation keyspaces "proj/<name>/v<version>/g<generation>/", host.hpp; a bare runner
// defaults to key_prefix(name, version)):
//   read-model keys:  projection CF,  prefix + <relative key>
//   checkpoints:      checkpoint CF,  prefix + "shard/<n>" = decimal last applied shard
//                     sequence (absent = 0)
// A new keyspace therefore starts from zero.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <mercato/eventstore/store.hpp>

namespace mercato::projections {

/// "proj/<name>/v<version>/": the prefix of a projection's keys (read model and checkpoints).
std::string key_prefix(std::string_view name, std::uint32_t version);
/// The checkpoint name of one shard: key_prefix + "shard/<n>".
std::string checkpoint_name(std::string_view name, std::uint32_t version, es::shard_id shard);
/// The checkpoint name of one shard of the keyspace at `prefix`: prefix + "shard/<n>".
std::string checkpoint_key(std::string_view prefix, es::shard_id shard);

/// Thrown by a projection's apply() for an event it cannot apply (e.g. undecodable bytes
/// of a stream it owns). The runner commits nothing of that batch and stalls (retrying),
/// because skipping the event would break exactly-once.
struct projection_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The read-model writes of one batch of events. Keys are relative to the projection's
/// prefix. Reads see this batch's own pending writes first, then the committed state, so
/// several events of one entity in one batch fold correctly.
///
/// Not thread-safe; owned by the runner for the duration of one batch.
class batch_writer {
 public:
  batch_writer(const es::event_store& store, std::string prefix);

  /// The current value of `key`: pending write of this batch, else the stored one.
  /// Throws projection_error when the store cannot be read.
  std::optional<std::string> get(std::string_view key) const;
  void put(std::string_view key, std::string value);
  void erase(std::string_view key);

  /// Number of distinct keys written so far.
  std::size_t pending() const noexcept { return pending_.size(); }
  /// Moves every pending write (with full keys) into `out` and clears them.
  void flush_into(es::aux_batch& out);
  const std::string& prefix() const noexcept { return prefix_; }

 private:
  const es::event_store& store_;
  std::string prefix_;
  std::map<std::string, std::optional<std::string>, std::less<>> pending_;  // nullopt = delete
};

/// A read model fed from the log. Implementations must be deterministic functions of the
/// events (no clock, no randomness), must write only through the batch_writer, and must
/// ignore events they do not care about. apply() is called on the runner's thread, once
/// per event, in shard order per shard (no order across shards). During a rebuild the same
/// object is applied by two runners at once (live and new generation), so keep it
/// stateless or thread-safe.
class projection {
 public:
  virtual ~projection() = default;
  /// Stable name: [a-z0-9-]+, part of every key.
  virtual std::string_view name() const = 0;
  /// Bump when apply() changes meaning: the new version is built from zero in a new keyspace.
  virtual std::uint32_t version() const = 0;
  virtual void apply(batch_writer& out, const es::recorded_event& event) = 0;
  /// False for a projection whose fold has effects beyond its keys (e.g. the notification
  /// outbox: a rebuild would re-deliver); host::rebuild then refuses it.
  virtual bool rebuildable() const { return true; }
  /// One of its stored records as JSON text for people (`mercato replay`): `key` is relative
  /// to the model's keyspace. "" when it cannot say (the tool then shows the raw value).
  virtual std::string describe(std::string_view key, std::string_view value) const {
    (void)key;
    (void)value;
    return {};
  }
};

}  // namespace mercato::projections
