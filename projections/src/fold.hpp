#pragma once
// One batch of a fold, shared by the runner and fold_offline: apply events through one
// batch_writer per keyspace, then add each keyspace's writes and the checkpoints the batch
// brings it to, so read models and checkpoints go into ONE commit.
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
};

/// Applies `events` (in order) to every target whose checkpoint of the event's shard is
/// below it. A target whose apply throws gets the message in `error` and no further event.
void fold(std::span<const log_event> events, std::span<fold_target> targets);

/// Adds a target's writes and the checkpoints it advanced to `batch` (its writer is emptied).
void add_to(es::aux_batch& batch, fold_target& target);

}  // namespace mercato::projections::detail
