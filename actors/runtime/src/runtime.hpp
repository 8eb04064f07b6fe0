#pragma once
// Shared context of the runtime's actors and the message types they exchange. Includes
// CAF: only for actors/runtime/src .cpp files.
#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include <mercato/actors/engine.hpp>
#include <mercato/eventstore/store.hpp>

#include "traits.hpp"
#include "work_pool.hpp"

namespace mercato::actors {

/// A command waiting for its entity.
template <class T>
struct pending_command {
  typename T::command command;
  command_meta meta;
  reply_fn<typename T::state> done;  // may be empty (fire and forget)
};

template <class T>
struct command_msg {
  std::string stream;
  std::shared_ptr<pending_command<T>> pending;
};
template <class T>
struct query_msg {
  std::string stream;
  reply_fn<typename T::state> done;
};
/// The state an entity was rebuilt to, from the work pool.
template <class T>
struct loaded_msg {
  std::shared_ptr<result<std::pair<typename T::state, es::stream_version>, std::string>> loaded;
};
struct append_done_msg {
  std::shared_ptr<es::append_result> result;
};
/// Asks to be told when a checkout has completed.
struct watch_msg {
  std::string stream;
  reply_fn<domain::checkout_state> done;
};
/// From an idle entity to the registry, and the registry's answer.
struct passivate_msg {
  std::string stream;
  caf::actor_addr who;
};

using idle_atom = caf::atom_constant<caf::atom("idle")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using step_atom = caf::atom_constant<caf::atom("step")>;

/// Shared by every actor of one engine. Lives as long as the engine.
struct runtime {
  es::event_store& store;
  engine_options options;
  work_pool pool;
  caf::actor registry;
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> in_flight{0};  // appends and pool jobs that will message an actor
  std::atomic<std::uint64_t> live{0}, spawned{0}, passivated{0}, snapshots{0};

  runtime(es::event_store& s, engine_options o)
      : store(s), options(std::move(o)), pool(options.loader_threads) {}

  /// Routes a command to its entity through the registry.
  template <class T>
  void route(std::string stream, typename T::command c, command_meta m, reply_fn<typename T::state> done) {
    auto p =
        std::make_shared<pending_command<T>>(pending_command<T>{std::move(c), std::move(m), std::move(done)});
    caf::anon_send(registry, command_msg<T>{std::move(stream), std::move(p)});
  }
  template <class T>
  void query(std::string stream, reply_fn<typename T::state> done) {
    caf::anon_send(registry, query_msg<T>{std::move(stream), std::move(done)});
  }
  /// Runs `job` on the work pool, counted as in flight.
  void post(std::function<void()> job) {
    ++in_flight;
    if (!pool.post([this, job = std::move(job)] {
          job();
          --in_flight;
        }))
      --in_flight;  // shutting down: dropped
  }
};

struct engine::impl {
  std::unique_ptr<runtime> rt;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
};

/// Registry and entity behaviours (engine.cpp, entity_host.hpp).
caf::behavior registry_actor(caf::stateful_actor<struct registry_state>* self, runtime* rt);

}  // namespace mercato::actors

// Local-only messages: they carry callbacks and never cross nodes (the cluster layer wraps
// commands in serializable messages of its own).
namespace caf {
template <class T>
struct allowed_unsafe_message_type<mercato::actors::command_msg<T>> : std::true_type {};
template <class T>
struct allowed_unsafe_message_type<mercato::actors::query_msg<T>> : std::true_type {};
template <class T>
struct allowed_unsafe_message_type<mercato::actors::loaded_msg<T>> : std::true_type {};
template <>
struct allowed_unsafe_message_type<mercato::actors::append_done_msg> : std::true_type {};
template <>
struct allowed_unsafe_message_type<mercato::actors::watch_msg> : std::true_type {};
template <>
struct allowed_unsafe_message_type<mercato::actors::passivate_msg> : std::true_type {};
}  // namespace caf
