#pragma once
// One batch of a fold, shared by the runner and fold_offline: apply events through a
// batch_writer, then add the checkpoints the batch brings each shard to, so read model and
// checkpoints go into ONE commit.
#include <span>
#include <vector>

#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>

namespace mercato::projections::detail {

struct folded {
  es::aux_batch batch;                     ///< read-model writes + advanced checkpoints
  std::vector<es::shard_seq> checkpoints;  ///< per shard, after this batch
};

/// Applies `events` (in order) to the keyspace at `prefix`, starting from `before` (one
/// checkpoint per shard). Throws what apply() throws; nothing is written then.
folded fold_batch(const es::event_store& store, projection& proj, const std::string& prefix,
                  std::span<const es::recorded_event> events, const std::vector<es::shard_seq>& before);

}  // namespace mercato::projections::detail
