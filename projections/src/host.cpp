// The projection host: generation keyspaces, the shared runner and the catch-up runners
// that join it, rebuilds, the atomic swap, lag (host.hpp; docs/decisions 0006 and 0010).
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <mercato/projections/host.hpp>

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
  delete_checkpoints(batch, prefix, store.info().shard_count);
}

std::vector<es::shard_seq> heads_of(const es::event_store& store) {
  std::vector<es::shard_seq> v;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s) v.push_back(store.shard_head(es::shard_id{s}));
  return v;
}

std::vector<es::position> positions_of(const std::vector<es::shard_seq>& cps) {
  std::vector<es::position> v;
  for (std::uint32_t s = 0; s < cps.size(); ++s) v.push_back(es::position{es::shard_id{s}, cps[s]});
  return v;
}

bool covers(const std::vector<es::shard_seq>& ahead, const std::vector<es::shard_seq>& behind) {
  return events_behind(ahead, behind) == 0;
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
    std::shared_ptr<feed> live;                     // null: the serving keyspace is frozen
    std::shared_ptr<projection_runner> live_alone;  // live's own runner; null: the shared one feeds it
    std::vector<es::shard_seq> frozen_checkpoints;  // of the serving keyspace when frozen
    std::optional<keyspace> building;
    std::shared_ptr<feed> build;
    std::shared_ptr<projection_runner> build_alone;  // build's own runner; null: the shared one feeds it
    std::optional<keyspace> retiring;
    steady_clock::time_point retire_at{};
    std::optional<std::string> error;  // host-level failure (swap, retire, restart)
    std::uint64_t next_generation = 0;
    std::uint64_t swaps = 0;
  };

  es::event_store& store;
  host_options options;
  std::vector<std::unique_ptr<slot>> slots;
  std::unique_ptr<projection_runner> shared;  // set once at start; feeds added and removed

  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // serving feed swapped, feed dropped, or stopping
  bool stopping = false;
  std::vector<std::shared_ptr<feed>> dropped;  // by the shared runner (apply threw); guarded by mutex
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

  std::shared_ptr<projection_runner> alone(std::shared_ptr<feed> f, runner_options o) const {
    return projection_runner::start(store, {std::move(f)}, std::move(o));
  }

  // Writes the building record of a new generation and starts its catch-up runner. Needs
  // mutex (or the host not yet shared).
  es::store_result<ok_t> begin_build(slot& s) {
    const keyspace ks{s.proj->version(), s.next_generation++};
    es::aux_batch b;
    b.put_checkpoint(record_key(s.name, building_record), encode_keyspace(ks));
    if (auto c = store.commit(std::move(b)); !c) return fail(c.error());
    auto f = feed::open(store, s.proj, keyspace_prefix(s.name, ks));
    if (!f) return fail(f.error());
    s.building = ks;
    s.build = std::move(*f);
    s.build_alone = alone(s.build, build_options());
    return ok;
  }

  // Deletes a keyspace and the record naming it in one commit.
  es::store_result<ok_t> drop(std::string_view name, keyspace ks, std::string_view which) {
    es::aux_batch b;
    delete_keyspace(b, store, keyspace_prefix(name, ks));
    b.delete_checkpoint(record_key(name, which));
    return store.commit(std::move(b));
  }

  // Brings one projection's generations to a state where they can run (host start): the
  // serving feed (not yet fed: start() decides by which runner) and a resumed build.
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
      auto f = feed::open(store, s.proj, s.serving_prefix);
      if (!f) return fail(f.error());
      s.live = std::move(*f);
    } else {
      auto cps = load_checkpoints(store, s.serving_prefix);
      if (!cps) return fail(cps.error());
      s.frozen_checkpoints = std::move(*cps);
    }
    if (resume) {
      auto f = feed::open(store, s.proj, keyspace_prefix(s.name, **building));
      if (!f) return fail(f.error());
      s.building = *building;
      s.build = std::move(*f);
      s.build_alone = alone(s.build, build_options());
    } else if (!s.live) {
      if (auto b = begin_build(s); !b) return fail(b.error());
    }
    return ok;
  }

  // Starts the shared runner with the serving feeds that are in step (within
  // join_within_events of the most advanced one); the others catch up alone.
  void start_runners() {
    std::vector<std::shared_ptr<feed>> live;
    for (const auto& s : slots)
      if (s->live) live.push_back(s->live);
    const auto heads = heads_of(store);
    std::vector<es::shard_seq> ahead;
    std::uint64_t least = UINT64_MAX;
    for (const auto& f : live)
      if (auto cps = f->checkpoints(); events_behind(cps, heads) < least) {
        least = events_behind(cps, heads);
        ahead = std::move(cps);
      }
    std::vector<std::shared_ptr<feed>> in_step;
    for (const auto& s : slots) {
      if (!s->live) continue;
      if (events_behind(s->live->checkpoints(), ahead) <= options.join_within_events)
        in_step.push_back(s->live);
      else
        s->live_alone = alone(s->live, options.runner);
    }
    shared =
        projection_runner::start(store, std::move(in_step), options.runner, [this](std::shared_ptr<feed> f) {
          std::lock_guard lock(mutex);
          dropped.push_back(std::move(f));
          changed.notify_all();
        });
  }

  // What a feed catching up alone must reach to join the shared runner: per shard, the
  // lowest checkpoint of the feeds there (the log's heads when there is none).
  std::vector<es::shard_seq> shared_floor() const {
    std::vector<es::shard_seq> floor;
    for (const auto& f : shared->feeds()) {
      const auto cps = f->checkpoints();
      if (floor.empty())
        floor = cps;
      else
        for (std::size_t s = 0; s < floor.size(); ++s) floor[s] = std::min(floor[s], cps[s]);
    }
    return floor.empty() ? heads_of(store) : floor;
  }

  // Moves a feed from its own runner into the shared one once it has caught up with it.
  // Supervisor thread, without mutex. True when it joined.
  bool try_join(std::shared_ptr<projection_runner>& own, const std::shared_ptr<feed>& f) {
    if (f->last_error() || events_behind(f->checkpoints(), shared_floor()) > options.join_within_events)
      return false;
    own->release();  // its last batch is committed or dropped whole; the feed stays open
    shared->add(f);
    return true;
  }

  // Feeds the shared runner dropped (their apply threw): each retries on a runner of its own.
  void take_dropped() {
    std::lock_guard lock(mutex);
    for (auto& f : dropped) {
      for (auto& sp : slots) {
        if (sp->live == f) sp->live_alone = alone(f, options.runner);
        if (sp->build == f) sp->build_alone = alone(f, build_options());
      }
    }
    dropped.clear();
  }

  void set_error(slot& s, std::optional<std::string> e) {
    std::lock_guard lock(mutex);
    s.error = std::move(e);
  }

  // The swap of one slot whose build is fed by the shared runner (supervisor thread).
  void swap(slot& s) {
    std::shared_ptr<feed> old, build;
    std::shared_ptr<projection_runner> old_alone;
    std::vector<es::shard_seq> target;
    keyspace old_ks, new_ks;
    {
      std::lock_guard lock(mutex);
      old = s.live;
      old_alone = s.live_alone;
      build = s.build;
      old_ks = s.serving;
      new_ks = *s.building;
      target = s.frozen_checkpoints;
    }
    if (old && !old_alone) {
      // Both in the shared runner: once the build has every event the old one has (read in
      // this order: the build first), they advance in the same commits, so the build stays
      // at least as far as the old one — no pause, and read-your-writes never goes back.
      // Until both are taken up (a join is applied at the runner's next batch boundary; a
      // dropped feed goes to a runner of its own first), the next pass looks again.
      if (!shared->feeding(*build) || !shared->feeding(*old)) return;
      const auto new_cps = build->checkpoints();
      if (!covers(new_cps, old->checkpoints())) return;
    } else if (old) {
      // The old one catches up alone (it failed, or was far behind): freeze it, so the new
      // one can be brought to exactly (at least) what it had.
      old_alone->release();
      target = old->checkpoints();
    }
    if (!target.empty()) {
      const auto want = positions_of(target);
      const auto deadline = steady_clock::now() + options.swap_timeout;
      bool covered = false;
      while (!covered && steady_clock::now() < deadline && !stopping_now())
        covered = build->wait_until(want, std::chrono::milliseconds(50));
      if (!covered) {
        postpone(s, old_alone,
                 "swap postponed: the new generation did not reach the old one's checkpoints in time");
        return;
      }
    }
    // THE swap: one commit moves the pointer and marks the old keyspace for deletion.
    // Synced, which also makes every earlier (async) batch of the build durable.
    es::aux_batch b;
    b.put_checkpoint(record_key(s.name, active_record), encode_keyspace(new_ks));
    b.delete_checkpoint(record_key(s.name, building_record));
    b.put_checkpoint(record_key(s.name, retiring_record), encode_keyspace(old_ks));
    if (auto c = store.commit(std::move(b)); !c) {
      postpone(s, old_alone, "swap commit: " + c.error().message);
      return;
    }
    {
      std::lock_guard lock(mutex);
      s.serving = new_ks;
      s.serving_prefix = keyspace_prefix(s.name, new_ks);
      s.live = std::move(build);
      s.live_alone.reset();
      s.build.reset();
      s.building.reset();
      s.frozen_checkpoints.clear();
      s.retiring = old_ks;
      s.retire_at = steady_clock::now() + options.retire_grace;
      s.error.reset();
      ++s.swaps;
    }
    // Nothing may write into the old keyspace once it is deleted: leave the shared runner
    // (it returns at a batch boundary), then let its waiters move on to the new feed.
    if (old && !old_alone) shared->remove(*old);
    if (old) old->close();
    changed.notify_all();
  }

  // A swap that did not happen: the old serving feed goes on with a runner of its own.
  void postpone(slot& s, const std::shared_ptr<projection_runner>& old_alone, std::string why) {
    std::lock_guard lock(mutex);
    if (old_alone) s.live_alone = alone(s.live, options.runner);
    s.error = std::move(why);
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

  // One pass over a slot (supervisor thread, without mutex).
  void look_after(slot& s) {
    std::shared_ptr<feed> live, build;
    std::shared_ptr<projection_runner> live_alone, build_alone;
    bool retire_now = false, retiring = false;
    {
      std::lock_guard lock(mutex);
      live = s.live;
      build = s.build;
      live_alone = s.live_alone;
      build_alone = s.build_alone;
      retiring = s.retiring.has_value();
      retire_now = retiring && steady_clock::now() >= s.retire_at;
    }
    if (retire_now) {
      retire(s);
      retiring = false;
    }
    if (live && live_alone && try_join(live_alone, live)) {
      std::lock_guard lock(mutex);
      if (s.live_alone == live_alone) s.live_alone.reset();
    }
    if (build && build_alone && try_join(build_alone, build)) {
      std::lock_guard lock(mutex);
      if (s.build_alone == build_alone) s.build_alone.reset();
      build_alone.reset();
    }
    // One retired keyspace at a time: swap only once the previous one is gone.
    if (build && !build_alone && !retiring && !build->last_error()) swap(s);
  }

  void supervise() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      changed.wait_for(lock, options.supervise_every, [this] { return stopping || !dropped.empty(); });
      if (stopping) break;
      lock.unlock();
      take_dropped();
      for (auto& sp : slots) look_after(*sp);
      lock.lock();
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
  if (impl_->shared) impl_->shared->stop();
  for (auto& s : impl_->slots) {
    if (s->build_alone) s->build_alone->stop();
    if (s->live_alone) s->live_alone->stop();
    if (s->live) s->live->close();
    if (s->build) s->build->close();
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
  // From here on, runners may be running; a failure stops those already started (~host).
  std::unique_ptr<host> h(new host(std::move(im)));
  for (auto& s : h->impl_->slots)
    if (auto r = h->impl_->open_slot(*s); !r)
      return fail(es::store_error{r.error().code, "projection " + s->name + ": " + r.error().message});
  h->impl_->start_runners();
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
    if (live && !live->closed()) {
      lock.unlock();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
      if (live->wait_until(positions, std::max(left, std::chrono::milliseconds(0)))) return true;
      if (!live->closed()) return false;  // timed out
      lock.lock();
    }
    // No live feed (frozen), or it was swapped out: wait for the serving feed to change.
    if (!impl_->changed.wait_until(lock, deadline, [&] { return impl_->stopping || s->live != live; }))
      return false;
  }
  return false;
}

std::optional<projection_status> host::status(std::string_view name) const {
  auto* s = impl_->find(name);
  if (!s) return std::nullopt;
  projection_status st;
  std::shared_ptr<feed> live, build;
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
    st.shared = s->live && !s->live_alone;
    live = s->live;
    build = s->build;
    building = s->building;
    frozen = s->frozen_checkpoints;
  }
  const auto now = impl_->options.runner.clock();
  st.live = live != nullptr;
  if (live) {
    st.lag = lag_of(impl_->store, live->checkpoints(), now);
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
    b.lag = lag_of(impl_->store, build->checkpoints(), now);
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
  const auto heads = heads_of(impl_->store);
  for (const auto& s : impl_->slots) {
    std::shared_ptr<feed> live;
    {
      std::lock_guard lock(impl_->mutex);
      live = s->live;
    }
    if (!live || events_behind(live->checkpoints(), heads) > impl_->options.ready_max_lag_events)
      return false;
  }
  return true;
}

runner_stats host::shared_stats() const {
  return impl_->shared->stats();
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

}  // namespace mercato::projections
