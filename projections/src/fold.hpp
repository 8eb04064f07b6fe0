#pragma once
// One batch of a fold, shared by the runner and fold_offline: apply events through one
// batch_writer per keyspace, then add each keyspace's writes and the checkpoints the batch
// brings it to, so read models and checkpoints go into ONE commit. And how checkpoints are
// stored (projection.hpp: one record per keyspace, or the per-shard keys of the earlier form).
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>

namespace mercato::projections::detail {

/// One keyspace's part of a batch.
struct fold_target {
  fold_target(const es::event_store& store, projection& p, const std::string& prefix,
              std::vector<es::shard_seq> checkpoints)
      : proj(&p), before(checkpoints), after(std::move(checkpoints)), writer(store, prefix) {}

  projection* proj;
  std::vector<es::shard_seq> before;  ///< per shard, committed before the batch
  std::vector<es::shard_seq> after;   ///< per shard, once the batch is applied
  batch_writer writer;
  std::uint64_t applied = 0;         ///< events of the batch past `before`
  std::optional<std::string> error;  ///< apply threw: none of this target may be committed
  bool drop_legacy = false;          ///< the keyspace still has per-shard checkpoint keys
  bool legacy_dropped = false;       ///< add_to deleted them (with the record it wrote)
};

/// A keyspace's committed checkpoints, and whether they came from per-shard keys.
struct stored_checkpoints {
  std::vector<es::shard_seq> seqs;  ///< one per shard of the store
  bool legacy = false;
};
es::store_result<stored_checkpoints> load_stored(const es::event_store& store, const std::string& prefix);

/// The value of a checkpoint record: a format byte (1), then unsigned LEB128 varints: the
/// shard count and each shard's sequence.
std::string encode_checkpoints(const std::vector<es::shard_seq>& seqs);

/// Applies `events` (in order) to every target whose checkpoint of the event's shard is
/// below it. A target whose apply throws gets the message in `error` and no further event.
void fold(std::span<const log_event> events, std::span<fold_target> targets);

/// Adds a target's writes and, when the batch advanced it, its checkpoint record to `batch`
/// (its writer is emptied).
void add_to(es::aux_batch& batch, fold_target& target);

}  // namespace mercato::projections::detail
