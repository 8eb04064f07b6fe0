// Folding a batch into one or many keyspaces, checkpoint records, and the offline fold of
// the whole log.
#include <algorithm>
#include <charconv>
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
  if (t.after == t.before) return;
  // One record for every shard: one write per keyspace and batch, not one per shard touched.
  batch.put_checkpoint(checkpoints_key(t.writer.prefix()), encode_checkpoints(t.after));
  if (!t.drop_legacy) return;
  for (std::uint32_t s = 0; s < t.after.size(); ++s)
    batch.delete_checkpoint(checkpoint_key(t.writer.prefix(), es::shard_id{s}));
  t.legacy_dropped = true;
}

std::string encode_checkpoints(const std::vector<es::shard_seq>& seqs) {
  std::string out(1, '\1');
  const auto varint = [&](std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    out.push_back(static_cast<char>(v));
  };
  varint(seqs.size());
  for (const auto& s : seqs) varint(s.value());
  return out;
}

namespace {

std::optional<std::vector<es::shard_seq>> decode_checkpoints(std::string_view in) {
  if (in.empty() || in.front() != '\1') return std::nullopt;
  in.remove_prefix(1);
  const auto varint = [&]() -> std::optional<std::uint64_t> {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
      const auto b = static_cast<std::uint8_t>(in.front());
      in.remove_prefix(1);
      v |= std::uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return std::nullopt;
  };
  const auto n = varint();
  if (!n || *n > in.size()) return std::nullopt;
  std::vector<es::shard_seq> seqs;
  for (std::uint64_t i = 0; i < *n; ++i) {
    const auto v = varint();
    if (!v) return std::nullopt;
    seqs.emplace_back(*v);
  }
  if (!in.empty()) return std::nullopt;
  return seqs;
}

es::store_error corrupt(std::string message) {
  return es::store_error{es::store_errc::corruption, std::move(message)};
}

es::store_result<es::shard_seq> load_one(const es::event_store& store, const std::string& name) {
  auto v = store.load_checkpoint(name);
  if (!v) return fail(v.error());
  if (!*v) return es::shard_seq{0};
  std::uint64_t seq = 0;
  const auto& s = **v;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
  if (ec != std::errc{} || end != s.data() + s.size())
    return fail(corrupt("checkpoint " + name + " is not a number: " + s));
  return es::shard_seq{seq};
}

}  // namespace

es::store_result<stored_checkpoints> load_stored(const es::event_store& store, const std::string& prefix) {
  const auto shards = store.info().shard_count;
  const auto key = checkpoints_key(prefix);
  auto record = store.load_checkpoint(key);
  if (!record) return fail(record.error());
  if (*record) {
    auto seqs = decode_checkpoints(**record);
    if (!seqs) return fail(corrupt("checkpoint record " + key + " is malformed"));
    if (seqs->size() != shards)
      return fail(corrupt("checkpoint record " + key + " has " + std::to_string(seqs->size()) +
                          " shards, the store " + std::to_string(shards)));
    return stored_checkpoints{std::move(*seqs), false};
  }
  stored_checkpoints out;
  for (std::uint32_t s = 0; s < shards; ++s) {
    auto cp = load_one(store, checkpoint_key(prefix, es::shard_id{s}));
    if (!cp) return fail(cp.error());
    out.legacy = out.legacy || cp->value() > 0;
    out.seqs.push_back(*cp);
  }
  return out;
}

}  // namespace detail

es::store_result<std::vector<es::shard_seq>> load_checkpoints(const es::event_store& store,
                                                              const std::string& prefix) {
  auto stored = detail::load_stored(store, prefix);
  if (!stored) return fail(stored.error());
  return std::move(stored->seqs);
}

es::store_result<ok_t> fold_offline(es::event_store& store, projection& proj, const std::string& prefix,
                                    std::optional<std::int64_t> until_ns, std::size_t batch_events) {
  if (prefix.empty() || prefix.back() != '/')
    return fail(
        es::store_error{es::store_errc::invalid_argument, "keyspace prefix must end in '/': " + prefix});
  auto stored = detail::load_stored(store, prefix);
  if (!stored) return fail(stored.error());
  auto* cps = &stored->seqs;
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
      target.drop_legacy = stored->legacy;
      detail::fold(events, std::span(&target, 1));
      if (target.error)
        return fail(es::store_error{es::store_errc::corruption,
                                    std::string(proj.name()) + ": apply: " + *target.error});
      es::aux_batch batch;
      detail::add_to(batch, target);
      if (auto c = store.commit(std::move(batch), es::durability::async); !c) return fail(c.error());
      *cps = std::move(target.after);
      stored->legacy = stored->legacy && !target.legacy_dropped;
      unsynced = true;
    }
  }
  if (!unsynced) return ok;
  // One synced commit makes every async batch before it durable.
  es::aux_batch b;
  b.put_checkpoint(checkpoints_key(prefix), detail::encode_checkpoints(*cps));
  return store.commit(std::move(b));
}

}  // namespace mercato::projections
