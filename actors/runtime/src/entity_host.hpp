#pragma once
// The generic entity actor: rebuilds its state off the CAF threads, then handles one
// command at a time: decide → append (the writer acknowledges asynchronously) → apply →
// reply. A refusal appends nothing. Snapshots every N events. Retired by its shard's router
// when idle (shard_router.hpp): it tells the router since when it has been idle through a
// shared `activity`, without messages or timers of its own.
#include <spdlog/spdlog.h>

#include <chrono>

#include "runtime.hpp"

namespace mercato::actors {

template <class T>
struct host_state {
  typename T::state state{};
  es::stream_version version{0};
  std::optional<es::stream_id> stream;
  std::shared_ptr<activity> act;  // shared with the shard's router
  runtime* rt = nullptr;
  bool loaded = false;
  bool busy = false;     // an append or an idempotency lookup is in flight
  bool retired = false;  // the router forgot us: every message for us is already queued; stop once idle
  bool failed = false;   // the stream could not be read: answer everything "unavailable" until retired
  // Vectors, not deques: an empty libstdc++ deque allocates ~600 bytes, and most
  // entities never hold more than one waiting command.
  std::vector<std::shared_ptr<pending_command<T>>> queue;
  std::vector<reply_fn<typename T::state>> queries;
  std::shared_ptr<pending_command<T>> current;
  std::vector<typename T::event> current_events;
  std::uint64_t since_snapshot = 0;
  // checkout driver only
  bool step_in_flight = false;
  std::vector<reply_fn<domain::checkout_state>> watchers;
  host_state() = default;
  host_state(const host_state&) = delete;
  host_state& operator=(const host_state&) = delete;
  ~host_state() {
    if (rt) --rt->live;
  }
  static inline const char* name = "entity";
};

template <class T>
using host = caf::stateful_actor<host_state<T>>;

// ---- rehydration (work pool) -------------------------------------------------------------

/// The entity's state from its latest usable snapshot plus the events after it. A snapshot
/// that cannot be read (undecodable, another kind's state) is counted and logged and the whole
/// stream is replayed; one of another fold version is silently replaced (that is what
/// state_version is for).
template <class T>
result<std::pair<typename T::state, es::stream_version>, std::string> rebuild(runtime& rt,
                                                                              const es::stream_id& stream) {
  typename T::state state{};
  es::stream_version version{0};
  auto snap = rt.store.load_snapshot(stream);
  if (!snap) return fail(snap.error().message);
  if (*snap) {
    auto decoded = codec::decode_snapshot((*snap)->state);
    auto* s = decoded ? std::get_if<typename T::state>(&decoded->state) : nullptr;
    if (s == nullptr) {
      ++rt.snapshots_unreadable;
      spdlog::warn("snapshot of {} at version {} is unreadable ({}); replaying the whole stream",
                   stream.str(), (*snap)->version.value(),
                   decoded ? std::string("another kind of entity's state") : decoded.error().message);
    } else if (decoded->state_version == domain::state_version<typename T::state>) {
      state = std::move(*s);
      version = (*snap)->version;
      ++rt.snapshots_used;
    }
  }
  for (;;) {
    auto page = rt.store.read_stream(stream, es::stream_version{version.value() + 1},
                                     es::read_direction::forward, 512);
    if (!page) return fail(page.error().message);
    if (page->empty()) break;
    for (const auto& e : *page) {
      if (auto error = fold_recorded<T>(state, e)) return fail(std::move(*error));
      version = e.version;
    }
    rt.events_replayed += page->size();
  }
  return std::pair{std::move(state), version};
}

template <class T>
void start_load(host<T>* self, runtime* rt) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto stream = *self->state.stream;
  rt->post([rt, me, stream] {
    auto r = std::make_shared<result<std::pair<typename T::state, es::stream_version>, std::string>>(
        rebuild<T>(*rt, stream));
    caf::anon_send(me, loaded_msg<T>{std::move(r)});
  });
}

template <class T>
void snapshot(host<T>* self, runtime* rt) {
  auto& st = self->state;
  st.since_snapshot = 0;
  // taken_at_ns stays 0, as it always has here: the runtime has no clock of its own.
  std::string blob = codec::encode_snapshot(domain::snapshot{
      st.stream->str(), st.version.value(), 0, domain::state_version<typename T::state>, st.state});
  auto stream = *st.stream;
  auto version = st.version;
  rt->post([rt, stream, version, blob = std::move(blob)] {  // the synced write stays off CAF threads
    es::aux_batch b;
    b.put_snapshot(stream, version, blob);
    // Not fsynced: a lost snapshot only costs a longer replay.
    if (rt->store.commit(std::move(b), es::durability::async)) ++rt->snapshots;
  });
}

template <class T>
void reply_to(const std::shared_ptr<pending_command<T>>& p, reply<typename T::state> r) {
  if (p && p->done) p->done(std::move(r));
}

template <class T>
reply<typename T::state> state_reply(host<T>* self, std::vector<es::position> positions = {},
                                     bool replayed = false) {
  return reply_value<typename T::state>{self->state.state, self->state.version, std::move(positions),
                                        replayed};
}

inline command_error unavailable(std::string message) {
  return {command_error::kind::unavailable, {domain::domain_errc::none, std::move(message)}};
}

template <class T>
void after_change(host<T>* self, runtime* rt);  // the checkout driver; no-op elsewhere

/// Tells the router whether this entity may be retired: idle since now, or busy.
template <class T>
void mark_activity(host<T>* self) {
  auto& st = self->state;
  const bool idle = st.loaded && !st.busy && st.queue.empty() && st.queries.empty() && !st.step_in_flight &&
                    st.watchers.empty();
  if (!idle)
    st.act->idle_since.store(activity::busy, std::memory_order_relaxed);
  else if (st.act->idle_since.load(std::memory_order_relaxed) == activity::busy)
    st.act->idle_since.store(activity::now(), std::memory_order_relaxed);
}

/// After the state changed (rebuilt, or events applied): what other parts of the node keep
/// of it. Products publish what add-to-cart needs.
template <class T>
void publish(host<T>* self, runtime* rt) {
  if constexpr (std::is_same_v<T, product_traits>) rt->products.publish(self->state.state);
}

/// Answers a command whose decision appends nothing (a refusal or a no-op).
template <class T>
void answer_unappended(host<T>* self, runtime* rt, const std::shared_ptr<pending_command<T>>& p,
                       domain::decision<typename T::event>& decision) {
  auto& st = self->state;
  if (!decision) {
    reply_to<T>(p, fail(command_error{command_error::kind::refused, decision.error()}));
    if constexpr (std::is_same_v<T, checkout_traits>) {
      // An answer that does not fit the state: look again a little later, not in a loop.
      if (!std::holds_alternative<domain::start_checkout>(p->command)) {
        st.step_in_flight = true;
        self->delayed_send(self, std::chrono::milliseconds(200), step_atom::value);
      }
    }
    return;
  }
  reply_to<T>(p, state_reply(self));
  if constexpr (std::is_same_v<T, checkout_traits>) after_change(self, rt);
}

/// Decides the waiting commands one at a time: decide → append (asynchronously) → apply →
/// reply. Idempotency is checked in one place, the event store: an append carrying a key
/// the store has seen returns the first result and appends nothing; a keyed command whose
/// decision appends nothing asks the store (on the work pool) whether the key was seen, so a
/// repeat of a command that succeeded still answers with the first result.
template <class T>
void pump(host<T>* self, runtime* rt) {
  auto& st = self->state;
  while (st.loaded && !st.busy && !st.queue.empty()) {
    auto p = std::move(st.queue.front());
    st.queue.erase(st.queue.begin());
    if constexpr (std::is_same_v<T, checkout_traits>) {
      // Every command but the start answers the step in flight.
      if (!std::holds_alternative<domain::start_checkout>(p->command)) st.step_in_flight = false;
    }
    auto decision = decide_for<T>(st.state, p->command, rt->options);
    if (!decision || decision->empty()) {
      if (p->meta.idempotency_key.empty()) {
        answer_unappended(self, rt, p, decision);
        continue;
      }
      st.busy = true;
      caf::actor me = caf::actor_cast<caf::actor>(self);
      auto d = std::make_shared<domain::decision<typename T::event>>(std::move(decision));
      auto stream = *st.stream;
      rt->post([rt, me, p, d, stream] {
        auto seen = std::make_shared<es::store_result<std::optional<es::append_ok>>>(
            rt->store.find_idempotent(stream, p->meta.idempotency_key));
        caf::anon_send(me, probe_msg<T>{p, std::move(seen), d});
      });
      break;
    }
    // Build the append: the entity's events, plus the notifications they cause.
    es::append_request req{*st.stream,
                           es::expected_version::exactly(st.version),
                           {},
                           p->meta.idempotency_key,
                           p->meta.correlation_id};
    // Orders, payments and checkouts need the state after each event (notifications, the
    // open-checkouts index); carts, products and users skip this second fold.
    constexpr bool needs_preview = std::is_same_v<T, order_traits> || std::is_same_v<T, payment_traits> ||
                                   std::is_same_v<T, checkout_traits>;
    typename T::state preview{};
    if constexpr (needs_preview) preview = st.state;
    auto v = st.version.value();
    for (const auto& e : *decision) {
      req.events.push_back(codec::to_event_data(e, p->meta.idempotency_key));
      ++v;
      if constexpr (needs_preview) {
        preview = apply_for<T>(std::move(preview), e, 0);
        for (const auto& n : notifications_for<T>(preview, e, {st.stream->str(), v})) {
          req.events.push_back(codec::to_event_data(domain::any_event{n}, p->meta.idempotency_key));
          ++v;
        }
      }
    }
    if constexpr (std::is_same_v<T, checkout_traits>) {
      // The index of open checkouts changes in the same batch as the saga's events.
      const std::string key = "runtime/open-checkouts/" + st.stream->str();
      if (!domain::exists(st.state)) req.index_updates.push_back({key, std::string("1")});
      if (preview.step == domain::checkout_step::completed) req.index_updates.push_back({key, std::nullopt});
    }
    st.busy = true;
    st.current = std::move(p);
    st.current_events = std::move(*decision);
    caf::actor me = caf::actor_cast<caf::actor>(self);
    ++rt->in_flight;
    rt->store.append_async(std::move(req), [rt, me](es::append_result r) {
      caf::anon_send(me, append_done_msg{std::make_shared<es::append_result>(std::move(r))});
      --rt->in_flight;
    });
  }
  if (st.loaded && !st.busy) {
    auto queries = std::move(st.queries);
    st.queries.clear();
    for (auto& q : queries) q(state_reply(self));
    if (st.retired && st.queue.empty()) {
      if constexpr (std::is_same_v<T, checkout_traits>) {
        // Watchers that arrived before `retire` follow the checkout to its next actor.
        for (auto& w : st.watchers) rt->watch(st.stream->str(), std::move(w));
        st.watchers.clear();
      }
      return self->quit();
    }
  }
  mark_activity(self);
}

template <class T>
void on_probed(host<T>* self, runtime* rt, probe_msg<T>& m) {
  auto& st = self->state;
  st.busy = false;
  if (!*m.seen)
    reply_to<T>(m.pending, fail(unavailable(m.seen->error().message)));
  else if (**m.seen)  // a repeat: the first result, nothing appended
    reply_to<T>(m.pending, state_reply(self, (**m.seen)->positions, true));
  else
    answer_unappended(self, rt, m.pending, *m.decision);
  pump(self, rt);
}

template <class T>
void on_appended(host<T>* self, runtime* rt, es::append_result& r) {
  auto& st = self->state;
  st.busy = false;
  auto p = std::move(st.current);
  auto events = std::move(st.current_events);
  if (!r) {
    if (r.error().code == es::append_errc::wrong_expected_version) {
      // Another instance wrote this stream (a retired actor still finishing its last commands
      // while this one started): reload and retry.
      st.queue.insert(st.queue.begin(), std::move(p));
      st.loaded = false;
      mark_activity(self);
      start_load(self, rt);
      return;
    }
    reply_to<T>(p, fail(unavailable(r.error().message)));
  } else if (r->replayed) {
    // The store had this idempotency key: nothing was appended, the state is unchanged.
    reply_to<T>(p, state_reply(self, r->positions, true));
  } else {
    for (const auto& e : events) st.state = apply_for<T>(std::move(st.state), e, r->timestamp_ns);
    st.version = r->last;
    st.since_snapshot += r->positions.size();
    publish(self, rt);
    reply_to<T>(p, state_reply(self, r->positions));
    if (st.since_snapshot >= rt->options.snapshot_every) snapshot(self, rt);
  }
  if constexpr (std::is_same_v<T, checkout_traits>) after_change(self, rt);
  pump(self, rt);
}

/// Answers everything while the stream cannot be read (until `retire`).
template <class T>
void fail_all(host<T>* self, const std::string& why) {
  auto& st = self->state;
  for (auto& p : st.queue) reply_to<T>(p, fail(unavailable(why)));
  st.queue.clear();
  for (auto& q : st.queries) q(fail(unavailable(why)));
  st.queries.clear();
  if constexpr (std::is_same_v<T, checkout_traits>) {
    for (auto& w : st.watchers) w(fail(unavailable(why)));
    st.watchers.clear();
  }
}

template <class T>
caf::behavior entity_actor(host<T>* self, runtime* rt, std::string stream, std::shared_ptr<activity> act) {
  auto& st = self->state;
  st.stream = *es::stream_id::make(std::move(stream));
  st.act = std::move(act);
  st.rt = rt;
  ++rt->live;
  ++rt->spawned;
  start_load(self, rt);
  return {
      [=](command_msg<T>& m) {
        self->state.queue.push_back(std::move(m.pending));
        if (self->state.failed) return fail_all(self, "the entity's stream cannot be read");
        pump(self, rt);
      },
      [=](query_msg<T>& q) {
        if (q.done) self->state.queries.push_back(std::move(q.done));
        if (self->state.failed) return fail_all(self, "the entity's stream cannot be read");
        pump(self, rt);
      },
      [=](loaded_msg<T>& m) {
        auto& s = self->state;
        if (!*m.loaded) {
          // The stream cannot be read: answer everyone, and have the router forget us (a later
          // command starts a fresh actor, which tries again).
          s.failed = true;
          fail_all(self, m.loaded->error());
          rt->router_of(*s.stream).forget(s.stream->str(), self->address());
          return;
        }
        s.state = std::move((*m.loaded)->first);
        s.version = (*m.loaded)->second;
        s.loaded = true;
        publish(self, rt);
        if constexpr (std::is_same_v<T, checkout_traits>) after_change(self, rt);
        pump(self, rt);
      },
      [=](append_done_msg& m) { on_appended(self, rt, *m.result); },
      [=](probe_msg<T>& m) { on_probed(self, rt, m); },
      [=](watch_msg& w) {
        if constexpr (std::is_same_v<T, checkout_traits>) {
          if (w.done) self->state.watchers.push_back(std::move(w.done));  // empty: just wake it
          if (self->state.failed) return fail_all(self, "the checkout's stream cannot be read");
          after_change(self, rt);
          mark_activity(self);
        }
      },
      [=](step_atom) {
        if constexpr (std::is_same_v<T, checkout_traits>) {
          self->state.step_in_flight = false;
          after_change(self, rt);
          mark_activity(self);
        }
      },
      [=](retire_atom) {
        auto& s = self->state;
        s.retired = true;
        if (s.failed) return self->quit();
        ++rt->passivated;
        // Worth a snapshot only if the next activation would replay a long tail.
        if (s.loaded && s.since_snapshot >= std::max<std::uint64_t>(16, rt->options.snapshot_every / 4))
          snapshot(self, rt);
        pump(self, rt);  // quits once idle
      },
  };
}

template <class T, class Message>
void runtime::deliver(const es::stream_id& stream, Message message) {
  router_of(stream).deliver(
      stream.str(),
      [&](std::shared_ptr<activity> act) {
        return system->spawn(entity_actor<T>, this, stream.str(), std::move(act));
      },
      std::move(message));
}

}  // namespace mercato::actors
