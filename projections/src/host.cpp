// The projection host: generation keyspaces, rebuilds, the atomic swap, lag, and the
// offline fold (host.hpp; docs/decisions on generations and swap).
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <mercato/projections/host.hpp>

#include "fold.hpp"

namespace mercato::projections {

namespace {

using std::chrono::steady_clock;

es::store_error invalid(std::string msg) {
  return es::store_error{es::store_errc::invalid_argument, std::move(msg)};
}

bool valid_name(std::string_view n) {
  return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// The three generation records of a projection (checkpoint CF).
std::string record_key(std::string_view name, std::string_view which) {
  return "proj/" + std::string(name) + "/" + std::string(which);
}
constexpr std::string_view active_record = "active";
constexpr std::string_view building_record = "building";
constexpr std::string_view retiring_record = "retiring";

std::string encode_keyspace(keyspace ks) {
  return std::to_string(ks.version) + "/" + std::to_string(ks.generation);
}

es::store_result<std::optional<keyspace>> load_record(const es::event_store& store, std::string_view name,
                                                      std::string_view which) {
  const auto key = record_key(name, which);
  auto v = store.load_checkpoint(key);
  if (!v) return fail(v.error());
  if (!*v) return std::optional<keyspace>();
  auto ks = parse_keyspace(**v);
  if (!ks)
    return fail(es::store_error{es::store_errc::corruption, key + " is not <version>/<generation>: " + **v});
  return std::optional<keyspace>(*ks);
}

/// Adds to `batch` the deletion of a whole keyspace: read model and checkpoints.
void delete_keyspace(es::aux_batch& batch, const es::event_store& store, const std::string& prefix) {
  batch.delete_projection_range(prefix, prefix_end(prefix));
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s)
    batch.delete_checkpoint(checkpoint_key(prefix, es::shard_id{s}));
}

std::vector<es::position> heads_of(const es::event_store& store) {
  std::vector<es::position> v;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s)
    v.push_back(es::position{es::shard_id{s}, store.shard_head(es::shard_id{s})});
  return v;
}

std::vector<es::position> positions_of(const std::vector<es::shard_seq>& cps) {
  std::vector<es::position> v;
  for (std::uint32_t s = 0; s < cps.size(); ++s) v.push_back(es::position{es::shard_id{s}, cps[s]});
  return v;
}

}  // namespace

std::optional<keyspace> parse_keyspace(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  keyspace ks;
  auto [e1, ec1] = std::from_chars(s.data(), s.data() + slash, ks.version);
  auto [e2, ec2] = std::from_chars(s.data() + slash + 1, s.data() + s.size(), ks.generation);
  if (ec1 != std::errc{} || e1 != s.data() + slash || ec2 != std::errc{} || e2 != s.data() + s.size())
    return std::nullopt;
  return ks;
}

std::string keyspace_prefix(std::string_view name, keyspace ks) {
  return "proj/" + std::string(name) + "/v" + std::to_string(ks.version) + "/g" +
         std::to_string(ks.generation) + "/";
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  if (!end.empty() && end.back() == '/')
    end.back() = '0';  // '0' is the byte after '/'
  else
    end.push_back('\0');
  return end;
}

struct host::impl {
  struct slot {
    std::shared_ptr<projection> proj;
    std::string name;
    // Everything below is guarded by impl::mutex.
    keyspace serving;
    std::string serving_prefix;
    std::shared_ptr<projection_runner> live;        // null: the serving keyspace is frozen
    std::vector<es::shard_seq> frozen_checkpoints;  // of the serving keyspace when frozen
    std::optional<keyspace> building;
    std::shared_ptr<projection_runner> build;
    std::optional<keyspace> retiring;
    steady_clock::time_point retire_at{};
    std::optional<std::string> error;  // host-level failure (swap, retire, restart)
    std::uint64_t next_generation = 0;
    std::uint64_t swaps = 0;
  };

  es::event_store& store;
  host_options options;
  std::vector<std::unique_ptr<slot>> slots;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // live runner swapped, or stopping
  bool stopping = false;
  std::thread supervisor;

  impl(es::event_store& s, host_options o) : store(s), options(std::move(o)) {}

  slot* find(std::string_view name) const {
    for (const auto& s : slots)
      if (s->name == name) return s.get();
    return nullptr;
  }

  runner_options build_options() const {
    auto o = options.runner;
    o.batch_events = std::max(o.batch_events, options.build_batch_events);
    o.commit_mode = options.build_mode;
    o.readers = options.build_readers;
    return o;
  }

  es::store_result<std::shared_ptr<projection_runner>> run(slot& s, const std::string& prefix,
                                                           runner_options o) {
    auto r = projection_runner::start(store, s.proj, prefix, std::move(o));
    if (!r) return fail(r.error());
    return std::shared_ptr<projection_runner>(std::move(*r));
  }

  // Writes the building record of a new generation and starts its runner. Needs mutex
  // (or the host not yet shared).
  es::store_result<ok_t> begin_build(slot& s) {
    const keyspace ks{s.proj->version(), s.next_generation++};
    es::aux_batch b;
    b.put_checkpoint(record_key(s.name, building_record), encode_keyspace(ks));
    if (auto c = store.commit(std::move(b)); !c) return fail(c.error());
    auto r = run(s, keyspace_prefix(s.name, ks), build_options());
    if (!r) return fail(r.error());
    s.building = ks;
    s.build = std::move(*r);
    return ok;
  }

  // Deletes a keyspace and the record naming it in one commit.
  es::store_result<ok_t> drop(std::string_view name, keyspace ks, std::string_view which) {
    es::aux_batch b;
    delete_keyspace(b, store, keyspace_prefix(name, ks));
    b.delete_checkpoint(record_key(name, which));
    return store.commit(std::move(b));
  }

  // Brings one projection's generations to a running state (host start).
  es::store_result<ok_t> open_slot(slot& s) {
    const auto version = s.proj->version();
    auto active = load_record(store, s.name, active_record);
    auto building = load_record(store, s.name, building_record);
    auto retiring = load_record(store, s.name, retiring_record);
    if (!active) return fail(active.error());
    if (!building) return fail(building.error());
    if (!retiring) return fail(retiring.error());
    for (const auto& ks : {*active, *building, *retiring})
      if (ks) s.next_generation = std::max(s.next_generation, ks->generation + 1);

    // Nobody reads a retiring keyspace after a restart.
    if (*retiring)
      if (auto d = drop(s.name, **retiring, retiring_record); !d) return fail(d.error());
    // A build is resumed only when it builds what this code would build.
    const bool resume = *building && *active && (*building)->version == version;
    if (*building && !resume)
      if (auto d = drop(s.name, **building, building_record); !d) return fail(d.error());

    if (!*active) {
      // First start of this projection: generation 0 (or the next free one) serves at once.
      const keyspace ks{version, s.next_generation++};
      es::aux_batch b;
      b.put_checkpoint(record_key(s.name, active_record), encode_keyspace(ks));
      if (auto c = store.commit(std::move(b)); !c) return fail(c.error());
      active->emplace(ks);
    }
    s.serving = **active;
    s.serving_prefix = keyspace_prefix(s.name, s.serving);
    if (s.serving.version == version) {
      auto r = run(s, s.serving_prefix, options.runner);
      if (!r) return fail(r.error());
      s.live = std::move(*r);
    } else {
      auto cps = load_checkpoints(store, s.serving_prefix);
      if (!cps) return fail(cps.error());
      s.frozen_checkpoints = std::move(*cps);
    }
    if (resume) {
      s.building = *building;
      auto r = run(s, keyspace_prefix(s.name, **building), build_options());
      if (!r) return fail(r.error());
      s.build = std::move(*r);
    } else if (!s.live) {
      if (auto b = begin_build(s); !b) return fail(b.error());
    }
    return ok;
  }

  void set_error(slot& s, std::optional<std::string> e) {
    std::lock_guard lock(mutex);
    s.error = std::move(e);
  }

  // The swap of one slot whose build has caught up with the log (supervisor thread).
  void swap(slot& s) {
    std::shared_ptr<projection_runner> old, build;
    keyspace old_ks, new_ks;
    {
      std::lock_guard lock(mutex);
      old = s.live;
      build = s.build;
      old_ks = s.serving;
      new_ks = *s.building;
    }
    // Freeze the old generation, so the new one can be brought to exactly (at least) what
    // it had: read-your-writes never goes backwards across the swap.
    std::vector<es::shard_seq> target;
    if (old) {
      old->stop();
      target = old->checkpoints();
    } else {
      std::lock_guard lock(mutex);
      target = s.frozen_checkpoints;
    }
    build->set_commit_mode(options.runner.commit_mode);
    const auto want = positions_of(target);
    const auto deadline = steady_clock::now() + options.swap_timeout;
    bool covered = false;
    while (!covered && steady_clock::now() < deadline && !stopping_now())
      covered = build->wait_until(want, std::chrono::milliseconds(50));
    std::string failure;
    if (!covered) {
      failure = "swap postponed: the new generation did not reach the old one's checkpoints in time";
    } else {
      // THE swap: one commit moves the pointer and marks the old keyspace for deletion.
      // Synced, which also makes every earlier (async) batch of the build durable.
      es::aux_batch b;
      b.put_checkpoint(record_key(s.name, active_record), encode_keyspace(new_ks));
      b.delete_checkpoint(record_key(s.name, building_record));
      b.put_checkpoint(record_key(s.name, retiring_record), encode_keyspace(old_ks));
      if (auto c = store.commit(std::move(b)); !c) failure = "swap commit: " + c.error().message;
    }
    if (!failure.empty()) {
      build->set_commit_mode(options.build_mode);
      std::shared_ptr<projection_runner> restarted;
      if (old) {
        auto r = run(s, keyspace_prefix(s.name, old_ks), options.runner);
        if (r)
          restarted = std::move(*r);
        else
          failure += "; restarting the serving runner: " + r.error().message;
      }
      std::lock_guard lock(mutex);
      if (old) s.live = std::move(restarted);
      if (!s.live && old) s.frozen_checkpoints = target;
      s.error = std::move(failure);
      changed.notify_all();
      return;
    }
    {
      std::lock_guard lock(mutex);
      s.serving = new_ks;
      s.serving_prefix = keyspace_prefix(s.name, new_ks);
      s.live = std::move(build);
      s.build.reset();
      s.building.reset();
      s.frozen_checkpoints.clear();
      s.retiring = old_ks;
      s.retire_at = steady_clock::now() + options.retire_grace;
      s.error.reset();
      ++s.swaps;
    }
    changed.notify_all();
  }

  bool stopping_now() const {
    std::lock_guard lock(mutex);
    return stopping;
  }

  void retire(slot& s) {
    keyspace ks;
    {
      std::lock_guard lock(mutex);
      ks = *s.retiring;
    }
    auto d = drop(s.name, ks, retiring_record);
    std::lock_guard lock(mutex);
    if (d)
      s.retiring.reset();
    else
      s.error = "deleting retired keyspace " + keyspace_prefix(s.name, ks) + ": " + d.error().message;
  }

  void supervise() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      changed.wait_for(lock, options.supervise_every, [this] { return stopping; });
      if (stopping) break;
      for (auto& sp : slots) {
        auto& s = *sp;
        const auto now = steady_clock::now();
        if (s.retiring && now >= s.retire_at) {
          lock.unlock();
          retire(s);
          lock.lock();
        }
        // One retired keyspace at a time: swap only once the previous one is gone.
        if (!s.build || s.retiring) continue;
        auto build = s.build;
        lock.unlock();
        const bool ready = build->wait_until(heads_of(store), options.supervise_every);
        if (ready) swap(s);
        lock.lock();
      }
    }
  }
};

host::host(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

host::~host() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  if (impl_->supervisor.joinable()) impl_->supervisor.join();
  for (auto& s : impl_->slots) {
    if (s->build) s->build->stop();
    if (s->live) s->live->stop();
  }
}

es::store_result<std::unique_ptr<host>> host::start(es::event_store& store,
                                                    std::vector<std::shared_ptr<projection>> projections,
                                                    host_options options) {
  auto im = std::make_unique<impl>(store, std::move(options));
  std::set<std::string, std::less<>> seen;
  for (auto& p : projections) {
    if (!p) return fail(invalid("projection host: null projection"));
    const std::string name(p->name());
    if (!valid_name(name)) return fail(invalid("projection name must be [a-z0-9-]+: '" + name + "'"));
    if (!seen.insert(name).second) return fail(invalid("projection '" + name + "' given twice"));
    auto s = std::make_unique<impl::slot>();
    s->proj = std::move(p);
    s->name = name;
    im->slots.push_back(std::move(s));
  }
  // From here on, runners are running; a failure stops those already started (~host).
  std::unique_ptr<host> h(new host(std::move(im)));
  for (auto& s : h->impl_->slots)
    if (auto r = h->impl_->open_slot(*s); !r)
      return fail(es::store_error{r.error().code, "projection " + s->name + ": " + r.error().message});
  h->impl_->supervisor = std::thread([im = h->impl_.get()] { im->supervise(); });
  return h;
}

std::vector<std::string> host::names() const {
  std::vector<std::string> out;
  for (const auto& s : impl_->slots) out.push_back(s->name);
  return out;
}

std::string host::active_prefix(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  auto* s = impl_->find(name);
  return s ? s->serving_prefix : std::string();
}

bool host::wait_until(std::string_view name, std::span<const es::position> positions,
                      std::chrono::milliseconds timeout) const {
  auto* s = impl_->find(name);
  if (!s) return false;
  for (const auto& p : positions)
    if (p.shard.value() >= impl_->store.info().shard_count) return false;
  if (positions.empty()) return true;
  const auto deadline = steady_clock::now() + timeout;
  std::unique_lock lock(impl_->mutex);
  while (!impl_->stopping) {
    auto live = s->live;
    if (live && !live->stopped()) {
      lock.unlock();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
      if (live->wait_until(positions, std::max(left, std::chrono::milliseconds(0)))) return true;
      if (!live->stopped()) return false;  // timed out
      lock.lock();
    }
    // No live runner (frozen, or mid-swap): wait for the serving runner to change.
    if (!impl_->changed.wait_until(lock, deadline, [&] { return impl_->stopping || s->live != live; }))
      return false;
  }
  return false;
}

std::optional<projection_status> host::status(std::string_view name) const {
  auto* s = impl_->find(name);
  if (!s) return std::nullopt;
  projection_status st;
  std::shared_ptr<projection_runner> live, build;
  std::vector<es::shard_seq> frozen;
  std::optional<keyspace> building;
  {
    std::lock_guard lock(impl_->mutex);
    st.name = s->name;
    st.version = s->proj->version();
    st.serving = s->serving;
    st.active_prefix = s->serving_prefix;
    st.last_error = s->error;
    st.swaps = s->swaps;
    live = s->live;
    build = s->build;
    building = s->building;
    frozen = s->frozen_checkpoints;
  }
  const auto now = impl_->options.runner.clock();
  st.live = live != nullptr;
  if (live) {
    st.lag = live->lag();
    st.stats = live->stats();
    if (!st.last_error) st.last_error = live->last_error();
  } else {
    st.lag = lag_of(impl_->store, frozen, now);
  }
  for (const auto& l : st.lag) {
    st.lag_events += l.events;
    st.lag_ns = std::max(st.lag_ns, l.behind_ns);
  }
  if (build && building) {
    build_status b;
    b.target = *building;
    b.prefix = build->prefix();
    b.lag = build->lag();
    for (const auto& l : b.lag) b.lag_events += l.events;
    b.events_applied = build->stats().events_applied;
    if (!st.last_error) st.last_error = build->last_error();
    st.rebuilding = std::move(b);
  }
  return st;
}

std::vector<projection_status> host::status() const {
  std::vector<projection_status> out;
  for (const auto& s : impl_->slots) out.push_back(*status(s->name));
  return out;
}

bool host::caught_up() const {
  for (const auto& s : impl_->slots) {
    std::shared_ptr<projection_runner> live;
    {
      std::lock_guard lock(impl_->mutex);
      live = s->live;
    }
    if (!live || live->total_lag() > impl_->options.ready_max_lag_events) return false;
  }
  return true;
}

es::store_result<ok_t> host::rebuild(std::string_view name) {
  std::lock_guard lock(impl_->mutex);
  auto* s = impl_->find(name);
  if (!s) return fail(invalid("no projection named '" + std::string(name) + "'"));
  if (!s->proj->rebuildable())
    return fail(invalid("projection '" + std::string(name) + "' must not be rebuilt (its fold has effects)"));
  if (s->build) return fail(invalid("projection '" + std::string(name) + "' is already rebuilding"));
  return impl_->begin_build(*s);
}

es::store_result<ok_t> fold_offline(es::event_store& store, projection& proj, const std::string& prefix,
                                    std::optional<std::int64_t> until_ns, std::size_t batch_events) {
  if (prefix.empty() || prefix.back() != '/')
    return fail(invalid("keyspace prefix must end in '/': " + prefix));
  auto cps = load_checkpoints(store, prefix);
  if (!cps) return fail(cps.error());
  const auto heads = heads_of(store);
  batch_events = std::max<std::size_t>(batch_events, 1);
  bool unsynced = false;
  for (const auto& head : heads) {
    const auto shard = head.shard;
    bool done = false;
    while (!done && (*cps)[shard.value()] < head.seq) {
      auto events = store.read_shard(
          shard, (*cps)[shard.value()],
          std::min<std::uint64_t>(batch_events, head.seq.value() - (*cps)[shard.value()].value()));
      if (!events) return fail(events.error());
      if (events->empty()) break;
      if (until_ns) {
        auto past = std::find_if(events->begin(), events->end(),
                                 [&](const es::recorded_event& e) { return e.timestamp_ns > *until_ns; });
        done = past != events->end();
        events->erase(past, events->end());
        if (events->empty()) break;
      }
      try {
        auto folded = detail::fold_batch(store, proj, prefix, *events, *cps);
        if (auto c = store.commit(std::move(folded.batch), es::durability::async); !c) return fail(c.error());
        *cps = std::move(folded.checkpoints);
        unsynced = true;
      } catch (const std::exception& ex) {
        return fail(
            es::store_error{es::store_errc::corruption, std::string(proj.name()) + ": apply: " + ex.what()});
      }
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
