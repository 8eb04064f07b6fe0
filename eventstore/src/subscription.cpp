// Live subscriptions (pull-based, follow commit notifications) and the merged
// point-in-time reader of all shards.
#include <queue>

#include <mercato/eventstore/envelope.hpp>
#include <mercato/eventstore/subscription.hpp>

#include "keys.hpp"
#include "store_impl.hpp"

namespace mercato::es {

subscription::subscription(const event_store& store, std::vector<shard_id> shards,
                           std::vector<shard_seq> after)
    : store_(store), shards_(std::move(shards)), after_(std::move(after)) {
  after_.resize(shards_.size(), shard_seq{0});
}

store_result<std::vector<recorded_event>> subscription::read_available(std::size_t max_events) {
  std::vector<recorded_event> out;
  const std::size_t n = shards_.size();
  for (std::size_t k = 0; k < n && out.size() < max_events; ++k) {
    const std::size_t i = (next_ + k) % n;
    if (store_.shard_head(shards_[i]) <= after_[i]) continue;
    auto events = store_.read_shard(shards_[i], after_[i], max_events - out.size());
    if (!events) return fail(events.error());
    if (events->empty()) continue;
    after_[i] = events->back().pos.seq;
    for (auto& e : *events) out.push_back(std::move(e));
  }
  if (n > 0) next_ = (next_ + 1) % n;
  return out;
}

store_result<std::vector<recorded_event>> subscription::poll(std::size_t max_events,
                                                             std::chrono::milliseconds wait) {
  // Take the epoch before reading, so a commit between the read and the wait still wakes us.
  const auto epoch = store_.commit_epoch();
  auto r = read_available(max_events);
  if (!r || !r->empty() || wait.count() <= 0) return r;
  store_.wait_for_commit(epoch, wait);
  return read_available(max_events);
}

// ---- all_reader ----------------------------------------------------------------------------

namespace {

class merged_reader final : public all_reader {
 public:
  merged_reader(const event_store::impl& s) : s_(s), snap_(s.db.get()) {}

  store_result<ok_t> start(std::uint64_t after, std::span<const shard_id> shards) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap_.snapshot();
    // A scan reads each block once: keep it out of the block cache (the node's hot set).
    ro.fill_cache = false;
    // Cursors hold the upper-bound slices their iterators point at: never reallocate.
    cursors_.reserve(shards.size());
    for (const auto shard : shards) {
      const std::uint32_t sh = shard.value();
      if (sh >= s_.info.shard_count)
        return fail(store_error{store_errc::invalid_argument, "no shard " + std::to_string(sh)});
      auto first = first_after(sh, after);
      if (!first) return fail(first.error());
      if (*first == 0) continue;
      cursors_.emplace_back();
      cursors_.back().shard = sh;
      auto& c = cursors_.back();
      c.upper = keys::event(sh + 1, 0);
      c.upper_slice = rocksdb::Slice(c.upper);
      rocksdb::ReadOptions cro = ro;
      cro.iterate_upper_bound = &c.upper_slice;
      c.it.reset(s_.db->NewIterator(cro, s_.cf[cf_events]));
      c.it->Seek(keys::event(sh, *first));
    }
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      auto r = push(i);
      if (!r) return fail(r.error());
    }
    return ok;
  }

  store_result<std::vector<recorded_event>> next(std::size_t max_events) override {
    std::vector<recorded_event> out;
    while (!heap_.empty() && out.size() < max_events) {
      auto [global, idx] = heap_.top();
      heap_.pop();
      out.push_back(std::move(*cursors_[idx].current));
      cursors_[idx].it->Next();
      auto r = push(idx);
      if (!r) return fail(r.error());
    }
    return out;
  }

 private:
  struct cursor {
    std::uint32_t shard = 0;
    std::unique_ptr<rocksdb::Iterator> it;
    std::string upper;
    rocksdb::Slice upper_slice;
    std::optional<recorded_event> current;
  };

  store_result<ok_t> push(std::size_t idx) {
    auto& c = cursors_[idx];
    c.current.reset();
    if (!c.it->Valid()) {
      if (!c.it->status().ok()) return fail(io_error(c.it->status(), "reading shard"));
      return ok;
    }
    auto e =
        s_.decode({c.it->key().data(), c.it->key().size()}, {c.it->value().data(), c.it->value().size()});
    if (!e) return fail(e.error());
    heap_.emplace(e->global.value(), idx);
    c.current = std::move(*e);
    return ok;
  }

  /// The first sequence of `shard` whose global position is > after (0: none). Global
  /// positions grow with sequence inside a shard, so a binary search finds it.
  store_result<std::uint64_t> first_after(std::uint32_t shard, std::uint64_t after) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap_.snapshot();
    std::unique_ptr<rocksdb::Iterator> it(s_.db->NewIterator(ro, s_.cf[cf_events]));
    it->SeekForPrev(keys::event(shard, UINT64_MAX));
    if (!it->Valid() || keys::get_u32({it->key().data(), it->key().size()}) != shard) return std::uint64_t{0};
    std::uint64_t lo = 1, hi = keys::get_u64({it->key().data(), it->key().size()}, 4);
    if (after == 0) return lo;
    auto global_at = [&](std::uint64_t seq) -> store_result<std::uint64_t> {
      std::string v;
      auto st = s_.db->Get(ro, s_.cf[cf_events], keys::event(shard, seq), &v);
      if (!st.ok()) return fail(io_error(st, "reading shard"));
      auto e = s_.decode(keys::event(shard, seq), v);
      if (!e) return fail(e.error());
      return e->global.value();
    };
    auto last = global_at(hi);
    if (!last) return fail(last.error());
    if (*last <= after) return std::uint64_t{0};
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      auto g = global_at(mid);
      if (!g) return fail(g.error());
      if (*g > after)
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }

  using entry = std::pair<std::uint64_t, std::size_t>;
  const event_store::impl& s_;
  rocksdb::ManagedSnapshot snap_;
  std::vector<cursor> cursors_;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> heap_;
};

}  // namespace

store_result<std::unique_ptr<all_reader>> event_store::read_all(global_position after) const {
  std::vector<shard_id> all;
  for (std::uint32_t sh = 0; sh < impl_->info.shard_count; ++sh) all.push_back(shard_id{sh});
  return read_all(after, all);
}

store_result<std::unique_ptr<all_reader>> event_store::read_all(global_position after,
                                                                std::span<const shard_id> shards) const {
  auto r = std::make_unique<merged_reader>(*impl_);
  auto st = r->start(after.value(), shards);
  if (!st) return fail(st.error());
  return std::unique_ptr<all_reader>(std::move(r));
}

}  // namespace mercato::es
