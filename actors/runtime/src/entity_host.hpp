#pragma once
// The generic entity actor: rebuilds its state off the CAF threads, then decides the
// commands waiting for it one after another against its in-memory state, appends their
// events (one append request per command, all handed to the writer together so that they
// share a group commit), and applies and replies to each in order once it is durable. A
// refusal appends nothing. Snapshots every N events. Retired by its shard's router
// when idle (shard_router.hpp): it tells the router since when it has been idle through a
// shared `activity`, without messages or timers of its own.
#include <spdlog/spdlog.h>

#include <chrono>

#include "runtime.hpp"

namespace mercato::actors {

/// One command of the batch an entity has in flight.
template <class T>
struct batch_entry {
  std::shared_ptr<pending_command<T>> pending;
  domain::decision<typename T::event> decision;  // a refusal, or the events appended
  bool appends = false;                          // an append request was sent for it
  std::optional<es::append_result> result;       // its answer, once the writer gave it
};

template <class T>
struct host_state {
  typename T::state state{};
  es::stream_version version{0};
  std::optional<es::stream_id> stream;
  std::shared_ptr<activity> act;  // shared with the shard's router
  runtime* rt = nullptr;
  bool loaded = false;
  bool busy = false;     // a batch of appends or an idempotency lookup is in flight
  bool retired = false;  // the router forgot us: every message for us is already queued; stop once idle
  bool failed = false;   // the stream could not be read: answer everything "unavailable" until retired
  // Vectors, not deques: an empty libstdc++ deque allocates ~600 bytes, and most
  // entities never hold more than one waiting command.
  std::vector<std::shared_ptr<pending_command<T>>> queue;
  std::vector<reply_fn<typename T::state>> queries;
  std::vector<batch_entry<T>> batch;  // decided, in order; answered in order
  std::size_t batch_answered = 0;     // entries of `batch` already answered
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

/// The largest number of commands one entity decides and appends together.
template <class T>
std::size_t max_batch(const runtime& rt) {
  // The checkout saga decides one step at a time: its driver reacts to every change.
  if constexpr (std::is_same_v<T, checkout_traits>) return 1;
  return std::max<std::size_t>(1, rt.options.max_batch_commands);
}

/// Decides the waiting commands and hands their appends to the writer together.
///
/// Commands are decided one after another, each against the state the ones before it lead
/// to (folded ahead with no commit time: no rule looks at commit times), so the outcomes
/// are those of one-at-a-time processing. Each command that appends is its own append
/// request, expecting exactly the version the ones before it leave: the writer stages them
/// in order into the same group commit, and if one of them appends nothing after all (an
/// idempotent repeat, a failed write) the ones after it fail their version check and are
/// decided again. Every command is answered in order, after its own events are durable.
///
/// Idempotency is checked in one place, the event store: an append carrying a key the
/// store has seen returns the first result and appends nothing; a keyed command whose
/// decision appends nothing asks the store (on the work pool) whether the key was seen, so a
/// repeat of a command that succeeded still answers with the first result. Such a command
/// ends a batch: it is decided once the batch before it is answered.
template <class T>
void pump(host<T>* self, runtime* rt) {
  auto& st = self->state;
  // Orders, payments and checkouts need the state after each event (notifications, the
  // open-checkouts index); carts, products and users fold ahead only to decide a second
  // command of the same batch.
  constexpr bool needs_preview = std::is_same_v<T, order_traits> || std::is_same_v<T, payment_traits> ||
                                 std::is_same_v<T, checkout_traits>;
  const std::size_t limit = max_batch<T>(*rt);
  while (st.loaded && !st.busy && !st.queue.empty()) {
    std::vector<es::append_request> requests;
    typename T::state ahead{};  // the state after the batch so far, once it differs from st.state
    bool diverged = false;
    auto v = st.version.value();
    while (!st.queue.empty() && st.batch.size() < limit) {
      auto& next = st.queue.front();
      if constexpr (std::is_same_v<T, checkout_traits>) {
        // Every command but the start answers the step in flight.
        if (!std::holds_alternative<domain::start_checkout>(next->command)) st.step_in_flight = false;
      }
      const typename T::state& now = diverged ? ahead : st.state;
      auto decision = decide_for<T>(now, next->command, rt->options);
      if (!decision || decision->empty()) {
        if (!next->meta.idempotency_key.empty()) {
          if (!st.batch.empty()) break;  // probed once the batch before it is answered
          auto p = std::move(next);
          st.queue.erase(st.queue.begin());
          st.busy = true;
          caf::actor me = caf::actor_cast<caf::actor>(self);
          auto d = std::make_shared<domain::decision<typename T::event>>(std::move(decision));
          auto stream = *st.stream;
          rt->post([rt, me, p, d, stream] {
            auto seen = std::make_shared<es::store_result<std::optional<es::append_ok>>>(
                rt->store.find_idempotent(stream, p->meta.idempotency_key));
            caf::anon_send(me, probe_msg<T>{p, std::move(seen), d});
          });
          return mark_activity(self);
        }
        auto p = std::move(next);
        st.queue.erase(st.queue.begin());
        if (st.batch.empty())
          answer_unappended(self, rt, p, decision);  // nothing before it: answer now
        else
          st.batch.push_back({std::move(p), std::move(decision), false, std::nullopt});
        continue;
      }
      auto p = std::move(next);
      st.queue.erase(st.queue.begin());
      // Build the append: the entity's events, plus the notifications they cause.
      es::append_request req{*st.stream,
                             es::expected_version::exactly(es::stream_version{v}),
                             {},
                             p->meta.idempotency_key,
                             p->meta.correlation_id};
      bool existed = false;  // the checkout existed before this command
      if constexpr (std::is_same_v<T, checkout_traits>) existed = domain::exists(now);
      const bool fold_ahead = needs_preview || (!st.queue.empty() && st.batch.size() + 1 < limit);
      if (fold_ahead && !diverged) {
        ahead = st.state;
        diverged = true;
      }
      for (const auto& e : *decision) {
        req.events.push_back(codec::to_event_data(e, p->meta.idempotency_key));
        ++v;
        if (!fold_ahead) continue;
        ahead = apply_for<T>(std::move(ahead), e, 0);
        if constexpr (needs_preview) {
          for (const auto& n : notifications_for<T>(ahead, e, {st.stream->str(), v})) {
            req.events.push_back(codec::to_event_data(domain::any_event{n}, p->meta.idempotency_key));
            ++v;
          }
        }
      }
      if constexpr (std::is_same_v<T, checkout_traits>) {
        // The index of open checkouts changes in the same batch as the saga's events.
        const std::string key = "runtime/open-checkouts/" + st.stream->str();
        if (!existed) req.index_updates.push_back({key, std::string("1")});
        if (ahead.step == domain::checkout_step::completed) req.index_updates.push_back({key, std::nullopt});
      }
      st.batch.push_back({std::move(p), std::move(decision), true, std::nullopt});
      requests.push_back(std::move(req));
    }
    if (st.batch.empty()) continue;  // everything decided so far was answered at once
    st.busy = true;
    if (requests.size() > 1) {
      ++rt->command_batches;
      rt->batched_commands += requests.size();
    }
    caf::actor me = caf::actor_cast<caf::actor>(self);
    std::size_t index = 0;
    for (auto& req : requests) {
      while (!st.batch[index].appends) ++index;
      ++rt->in_flight;
      rt->store.append_async(std::move(req), [rt, me, index](es::append_result r) {
        caf::anon_send(me, append_done_msg{index, std::make_shared<es::append_result>(std::move(r))});
        --rt->in_flight;
      });
      ++index;
    }
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

/// One append of the batch was answered. Entries are answered strictly in order, each once
/// the ones before it are; the batch ends when all are.
///
/// Once an entry did not append what it was decided to (an idempotent repeat, a failed
/// write, another writer on the stream), the entries after it were decided against a state
/// that never came to be: those that appended nothing go back to the front of the queue to
/// be decided again, and if the stream moved under us the state is rebuilt first.
template <class T>
void on_appended(host<T>* self, runtime* rt, append_done_msg& m) {
  auto& st = self->state;
  if (m.index >= st.batch.size() || st.batch[m.index].result) return;  // cannot happen; be safe
  st.batch[m.index].result = std::move(*m.result);
  for (; st.batch_answered < st.batch.size(); ++st.batch_answered)
    if (st.batch[st.batch_answered].appends && !st.batch[st.batch_answered].result) return;

  auto batch = std::move(st.batch);
  st.batch.clear();
  st.batch_answered = 0;
  st.busy = false;
  bool broken = false, reload = false;
  std::vector<std::shared_ptr<pending_command<T>>> again;
  for (auto& entry : batch) {
    if (!entry.appends) {
      if (broken)
        again.push_back(std::move(entry.pending));  // decided against a state that never came to be
      else
        answer_unappended(self, rt, entry.pending, entry.decision);
      continue;
    }
    auto& r = *entry.result;
    if (broken && !(r && !r->replayed)) {
      // Decided against a state that never came to be; its answer (even an idempotent
      // repeat's, which the store checks before the version) would not be the one of
      // one-at-a-time processing: decide it again.
      again.push_back(std::move(entry.pending));
      reload = reload || (!r && r.error().code == es::append_errc::wrong_expected_version &&
                          r.error().actual != st.version);
      continue;
    }
    if (!r) {
      broken = true;
      if (r.error().code == es::append_errc::wrong_expected_version) {
        // Decided against a state that never came to be (an entry before it appended
        // nothing), or another instance wrote this stream (a retired actor still finishing
        // its last commands while this one started): decide it again.
        again.push_back(std::move(entry.pending));
        reload = reload || r.error().actual != st.version;
      } else {
        reply_to<T>(entry.pending, fail(unavailable(r.error().message)));
      }
    } else if (r->replayed) {
      // The store had this idempotency key: nothing was appended, the state is unchanged.
      broken = true;
      reply_to<T>(entry.pending, state_reply(self, r->positions, true));
    } else {
      // Durable. Normally in sequence; after a break only another writer can have made room
      // for it, so the state is rebuilt from the log before anything else is decided.
      reload = reload || broken;
      for (const auto& e : *entry.decision) st.state = apply_for<T>(std::move(st.state), e, r->timestamp_ns);
      st.version = r->last;
      st.since_snapshot += r->positions.size();
      reply_to<T>(entry.pending, state_reply(self, r->positions));
    }
  }
  publish(self, rt);
  if (!again.empty())
    st.queue.insert(st.queue.begin(), std::make_move_iterator(again.begin()),
                    std::make_move_iterator(again.end()));
  if (reload) {
    st.loaded = false;
    mark_activity(self);
    return start_load(self, rt);
  }
  if (st.since_snapshot >= rt->options.snapshot_every) snapshot(self, rt);
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
      [=](append_done_msg& m) { on_appended(self, rt, m); },
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
