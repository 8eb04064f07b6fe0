// Folding a batch into one or many keyspaces, and the offline fold of the whole log.
#include <algorithm>
#include <exception>

#include <mercato/projections/host.hpp>

#include "fold.hpp"

namespace mercato::projections {

namespace detail {

void fold(std::span<const log_event> events, std::span<fold_target> targets) {
  // Event by event, so the event (and its one decoded form) is hot for every target.
  for (const auto& e : events) {
    const auto shard = e.pos.shard.value();
    for (auto& t : targets) {
      if (t.error || e.pos.seq <= t.after[shard]) continue;  // failed, or applied before
      try {
        t.proj->apply(t.writer, e);
      } catch (const std::exception& ex) {
        t.error = ex.what();
        continue;
      }
      t.after[shard] = e.pos.seq;
      ++t.applied;
    }
  }
}

void add_to(es::aux_batch& batch, fold_target& t) {
  t.writer.flush_into(batch);
  for (std::uint32_t s = 0; s < t.before.size(); ++s)
    if (t.after[s] != t.before[s])
      batch.put_checkpoint(checkpoint_key(t.writer.prefix(), es::shard_id{s}),
                           std::to_string(t.after[s].value()));
}

}  // namespace detail

es::store_result<ok_t> fold_offline(es::event_store& store, projection& proj, const std::string& prefix,
                                    std::optional<std::int64_t> until_ns, std::size_t batch_events) {
  if (prefix.empty() || prefix.back() != '/')
    return fail(
        es::store_error{es::store_errc::invalid_argument, "keyspace prefix must end in '/': " + prefix});
  auto cps = load_checkpoints(store, prefix);
  if (!cps) return fail(cps.error());
  std::vector<es::position> heads;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s)
    heads.push_back(es::position{es::shard_id{s}, store.shard_head(es::shard_id{s})});
  batch_events = std::max<std::size_t>(batch_events, 1);
  bool unsynced = false;
  for (const auto& head : heads) {
    const auto shard = head.shard;
    bool done = false;
    while (!done && (*cps)[shard.value()] < head.seq) {
      auto read = store.read_shard(
          shard, (*cps)[shard.value()],
          std::min<std::uint64_t>(batch_events, head.seq.value() - (*cps)[shard.value()].value()));
      if (!read) return fail(read.error());
      if (read->empty()) break;
      std::vector<log_event> events;
      events.reserve(read->size());
      for (auto& e : *read) {
        if (until_ns && e.timestamp_ns > *until_ns) {
          done = true;
          break;
        }
        events.emplace_back(std::move(e));
      }
      if (events.empty()) break;
      detail::fold_target target(store, proj, prefix, *cps);
      detail::fold(events, std::span(&target, 1));
      if (target.error)
        return fail(es::store_error{es::store_errc::corruption,
                                    std::string(proj.name()) + ": apply: " + *target.error});
      es::aux_batch batch;
      detail::add_to(batch, target);
      if (auto c = store.commit(std::move(batch), es::durability::async); !c) return fail(c.error());
      *cps = std::move(target.after);
      unsynced = true;
    }
  }
  if (!unsynced) return ok;
  // One synced commit makes every async batch before it durable.
  es::aux_batch b;
  for (std::uint32_t s = 0; s < cps->size(); ++s)
    b.put_checkpoint(checkpoint_key(prefix, es::shard_id{s}), std::to_string((*cps)[s].value()));
  return store.commit(std::move(b));
}

}  // namespace mercato::projections
