#pragma once
// A projection: a named, versioned, deterministic fold of the whole log (all shards) into
// read-model keys of the store's `projections` column family (docs/architecture.md
// "Projections"). Projections never talk to actors; they only see recorded events.
//
// Key layout: a projection writes under a keyspace prefix given to its runner (the host's
// generation keyspaces "proj/<name>/v<version>/g<generation>/", host.hpp; a bare runner
// defaults to key_prefix(name, version)):
//   read-model keys:  projection CF,  prefix + <relative key>
//   checkpoints:      checkpoint CF,  prefix + "checkpoints" = the last applied sequence of
//                     every shard in one record (absent = all 0): one write per keyspace
//                     and batch, however many shards the batch touched
// A new keyspace therefore starts from zero. Keyspaces written before the record existed
// hold one key per shard, prefix + "shard/<n>" = decimal sequence: they are read when there
// is no record, and the first commit that writes the record deletes them.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <mercato/codec/codec.hpp>
#include <mercato/eventstore/store.hpp>

namespace mercato::projections {

/// "proj/<name>/v<version>/": the prefix of a projection's keys (read model and checkpoints).
std::string key_prefix(std::string_view name, std::uint32_t version);
/// The checkpoint record of the keyspace at `prefix` (checkpoint CF): prefix + "checkpoints".
std::string checkpoints_key(std::string_view prefix);
/// The per-shard checkpoint key of the earlier form: prefix + "shard/<n>" (see above).
std::string checkpoint_key(std::string_view prefix, es::shard_id shard);
/// Adds to `batch` the deletion of every checkpoint of the keyspace at `prefix`: its record
/// and the per-shard keys of the earlier form (for a store of `shard_count` shards).
void delete_checkpoints(es::aux_batch& batch, std::string_view prefix, std::uint32_t shard_count);

/// Thrown by a projection's apply() for an event it cannot apply (e.g. undecodable bytes
/// of a stream it owns). The runner commits nothing of that batch and stalls (retrying),
/// because skipping the event would break exactly-once.
struct projection_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// How a runner turns a recorded event into its domain form: codec::decode_event unless a
/// runner is given another one (runner_options::decoder; tests count decodes with it).
using event_decoder = std::function<codec::decoded<domain::any_event>(const es::recorded_event&)>;

/// One event of the log as read models receive it: the recorded event (stream, type,
/// version, time, position: its fields, read directly) and its domain form, decoded
/// through the codec at most once however many read models ask for it. A runner decodes
/// it on its reading thread, ahead of apply, when some fed projection says it
/// wants_decoded() it; otherwise on first use.
///
/// Not thread-safe: decoded on one thread (the reader, before handing the event over) or
/// lazily on the applying thread.
class log_event : public es::recorded_event {
 public:
  /// `decoder` (not owned; null = codec::decode_event) must outlive the event.
  explicit log_event(es::recorded_event event, const event_decoder* decoder = nullptr)
      : es::recorded_event(std::move(event)), decoder_(decoder) {}

  /// The domain form, decoded on first use and kept. Throws projection_error
  /// "<model>: <stream> v<version>: <codec error>" when the bytes cannot be decoded.
  const domain::any_event& decoded(std::string_view model) const;
  /// Decodes now unless done already; true when this call ran the decoder.
  bool decode() const;
  bool is_decoded() const noexcept { return form_ != nullptr; }

 private:
  const event_decoder* decoder_;
  // Out of line: most events are never decoded, and batches of events are moved around.
  mutable std::unique_ptr<codec::decoded<domain::any_event>> form_;
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
/// ignore events they do not care about. apply() is called on a runner's thread, once
/// per event, in shard order per shard (no order across shards); one runner feeds the
/// same event to several projections (each with its own batch_writer). During a rebuild
/// the same object is applied into two keyspaces (live and new generation), possibly by
/// two runners at once, so keep it stateless or thread-safe.
class projection {
 public:
  virtual ~projection() = default;
  /// Stable name: [a-z0-9-]+, part of every key.
  virtual std::string_view name() const = 0;
  /// Bump when apply() changes meaning: the new version is built from zero in a new keyspace.
  virtual std::uint32_t version() const = 0;
  /// Folds one event. Read the event's domain form with event.decoded(name()), never with
  /// the codec directly: that is what makes one decode serve every read model.
  virtual void apply(batch_writer& out, const log_event& event) = 0;
  /// Whether apply() will ask for this event's domain form: the runner then decodes it on
  /// its reading thread, ahead of apply (and once for every projection it feeds). Only a
  /// hint for where the decoding happens: an event nobody announced is decoded on first
  /// use all the same. Must be cheap (look at the stream and the type name).
  virtual bool wants_decoded(const es::recorded_event& event) const {
    (void)event;
    return false;
  }
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
