#pragma once
// The generic entity actor: rebuilds its state off the CAF threads, then handles one
// command at a time: decide → append (the writer acknowledges asynchronously) → apply →
// reply. A refusal appends nothing. Snapshots every N events, passivates when idle.
#include <chrono>

#include "runtime.hpp"

namespace mercato::actors {

template <class T>
struct host_state {
  typename T::state state{};
  es::stream_version version{0};
  std::optional<es::stream_id> stream;
  bool loaded = false;
  bool busy = false;     // an append is in flight
  bool retired = false;  // the registry forgot us: stop once idle
  // Vectors, not deques: an empty libstdc++ deque allocates ~600 bytes, and most
  // entities never hold more than one waiting command.
  std::vector<std::shared_ptr<pending_command<T>>> queue;
  std::vector<reply_fn<typename T::state>> queries;
  std::shared_ptr<pending_command<T>> current;
  std::vector<typename T::event> current_events;
  std::uint64_t since_snapshot = 0;
  std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();
  // checkout driver only
  bool step_in_flight = false;
  std::vector<reply_fn<domain::checkout_state>> watchers;
  static inline const char* name = "entity";
};

template <class T>
using host = caf::stateful_actor<host_state<T>>;

// ---- rehydration (work pool) -------------------------------------------------------------

template <class T>
result<std::pair<typename T::state, es::stream_version>, std::string> rebuild(const es::event_store& store,
                                                                              const es::stream_id& stream) {
  typename T::state state{};
  es::stream_version version{0};
  auto snap = store.load_snapshot(stream);
  if (!snap) return fail(snap.error().message);
  if (*snap) {
    // A snapshot this code cannot use (unreadable, another entity's state, another fold
    // version) is ignored: the full stream is replayed.
    auto decoded = codec::decode_snapshot((*snap)->state);
    if (decoded && decoded->state_version == domain::state_version<typename T::state>) {
      if (auto* s = std::get_if<typename T::state>(&decoded->state)) {
        state = std::move(*s);
        version = (*snap)->version;
      }
    }
  }
  for (;;) {
    auto page =
        store.read_stream(stream, es::stream_version{version.value() + 1}, es::read_direction::forward, 512);
    if (!page) return fail(page.error().message);
    if (page->empty()) break;
    for (const auto& e : *page) {
      if (auto error = fold_recorded<T>(state, e)) return fail(std::move(*error));
      version = e.version;
    }
  }
  return std::pair{std::move(state), version};
}

template <class T>
void start_load(host<T>* self, runtime* rt) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto stream = *self->state.stream;
  rt->post([rt, me, stream] {
    auto r = std::make_shared<result<std::pair<typename T::state, es::stream_version>, std::string>>(
        rebuild<T>(rt->store, stream));
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

template <class T>
void pump(host<T>* self, runtime* rt) {
  auto& st = self->state;
  while (st.loaded && !st.busy && !st.queue.empty()) {
    auto p = std::move(st.queue.front());
    st.queue.erase(st.queue.begin());
    st.last_active = std::chrono::steady_clock::now();
    if (!p->meta.idempotency_key.empty()) {
      auto seen = rt->store.find_idempotent(*st.stream, p->meta.idempotency_key);
      if (!seen) {
        reply_to<T>(p, fail(unavailable(seen.error().message)));
        continue;
      }
      if (*seen) {  // a repeat: the first result, nothing appended
        reply_to<T>(p, state_reply(self, (*seen)->positions, true));
        continue;
      }
    }
    if constexpr (std::is_same_v<T, checkout_traits>) {
      // Every command but the start answers the step in flight.
      if (!std::holds_alternative<domain::start_checkout>(p->command)) st.step_in_flight = false;
    }
    auto decision = decide_for<T>(st.state, p->command, rt->options);
    if (!decision) {
      reply_to<T>(p, fail(command_error{command_error::kind::refused, decision.error()}));
      if constexpr (std::is_same_v<T, checkout_traits>) {
        // An answer that does not fit the state: look again a little later, not in a loop.
        if (!std::holds_alternative<domain::start_checkout>(p->command)) {
          st.step_in_flight = true;
          self->delayed_send(self, std::chrono::milliseconds(200), step_atom::value);
        }
      }
      continue;
    }
    if (decision->empty()) {
      reply_to<T>(p, state_reply(self));
      if constexpr (std::is_same_v<T, checkout_traits>) after_change(self, rt);
      continue;
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
    if (st.retired && st.queue.empty()) self->quit();
  }
}

template <class T>
void on_appended(host<T>* self, runtime* rt, es::append_result& r) {
  auto& st = self->state;
  st.busy = false;
  auto p = std::move(st.current);
  auto events = std::move(st.current_events);
  if (!r) {
    if (r.error().code == es::append_errc::wrong_expected_version) {
      // Another instance wrote this stream (a race around passivation): reload and retry.
      st.queue.insert(st.queue.begin(), std::move(p));
      st.loaded = false;
      start_load(self, rt);
      return;
    }
    reply_to<T>(p, fail(unavailable(r.error().message)));
  } else if (r->replayed) {
    // The store already had this idempotency key: nothing was appended; our state is
    // stale only if another instance wrote, so reload to be exact.
    reply_to<T>(p, state_reply(self, r->positions, true));
    st.loaded = false;
    start_load(self, rt);
    return;
  } else {
    for (const auto& e : events) st.state = apply_for<T>(std::move(st.state), e, r->timestamp_ns);
    st.version = r->last;
    st.since_snapshot += r->positions.size();
    reply_to<T>(p, state_reply(self, r->positions));
    if (st.since_snapshot >= rt->options.snapshot_every) snapshot(self, rt);
  }
  if constexpr (std::is_same_v<T, checkout_traits>) after_change(self, rt);
  pump(self, rt);
}

template <class T>
caf::behavior entity_actor(host<T>* self, runtime* rt, std::string stream) {
  self->state.stream = *es::stream_id::make(std::move(stream));
  ++rt->live;
  ++rt->spawned;
  self->attach_functor([rt] { --rt->live; });
  start_load(self, rt);
  const auto tick = std::max(rt->options.passivate_after / 2, std::chrono::milliseconds(1));
  self->delayed_send(self, tick, idle_atom::value);
  return {
      [=](command_msg<T>& m) {
        self->state.queue.push_back(std::move(m.pending));
        pump(self, rt);
      },
      [=](query_msg<T>& q) {
        self->state.last_active = std::chrono::steady_clock::now();  // reads keep it alive too
        if (q.done) self->state.queries.push_back(std::move(q.done));
        pump(self, rt);
      },
      [=](loaded_msg<T>& m) {
        auto& st = self->state;
        if (!*m.loaded) {
          // The stream cannot be read: answer everyone, then stop (a later command retries).
          for (auto& p : st.queue) reply_to<T>(p, fail(unavailable(m.loaded->error())));
          st.queue.clear();
          caf::anon_send(rt->registry, passivate_msg{st.stream->str(), self->address()});
          st.retired = true;
          self->quit();
          return;
        }
        st.state = std::move((*m.loaded)->first);
        st.version = (*m.loaded)->second;
        st.loaded = true;
        if constexpr (std::is_same_v<T, checkout_traits>) after_change(self, rt);
        pump(self, rt);
      },
      [=](append_done_msg& m) { on_appended(self, rt, *m.result); },
      [=](watch_msg& w) {
        if constexpr (std::is_same_v<T, checkout_traits>) {
          if (w.done) self->state.watchers.push_back(std::move(w.done));  // empty: just wake it
          after_change(self, rt);
        }
      },
      [=](step_atom) {
        if constexpr (std::is_same_v<T, checkout_traits>) {
          self->state.step_in_flight = false;
          after_change(self, rt);
        }
      },
      [=](idle_atom) {
        auto& st = self->state;
        const bool idle = st.loaded && !st.busy && st.queue.empty() && !st.step_in_flight &&
                          std::chrono::steady_clock::now() - st.last_active >= rt->options.passivate_after;
        if (idle && !st.retired) {
          caf::anon_send(rt->registry, passivate_msg{st.stream->str(), self->address()});
        }
        self->delayed_send(self, tick, idle_atom::value);
      },
      [=](retire_atom) {
        auto& st = self->state;
        st.retired = true;
        // Worth a snapshot only if the next activation would replay a long tail.
        if (st.loaded && st.since_snapshot >= std::max<std::uint64_t>(16, rt->options.snapshot_every / 4))
          snapshot(self, rt);
        pump(self, rt);  // quits once idle
      },
  };
}

}  // namespace mercato::actors
