#pragma once
// Shared context of the runtime's actors and the message types they exchange. Includes
// CAF: only for actors/runtime/src .cpp files.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include <mercato/actors/engine.hpp>
#include <mercato/eventstore/store.hpp>

#include <mercato/common/work_pool.hpp>
#include "shard_router.hpp"
#include "traits.hpp"

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
/// The writer's answer to one append of an entity's batch (`index`: its place in the batch).
struct append_done_msg {
  std::size_t index = 0;
  std::shared_ptr<es::append_result> result;
};
/// Asks to be told when a checkout has completed.
struct watch_msg {
  std::string stream;
  reply_fn<domain::checkout_state> done;
};
/// The answer of an idempotency lookup made for a command whose decision appended nothing
/// (a refusal or a no-op): a repeat of an earlier command answers with the first result.
template <class T>
struct probe_msg {
  std::shared_ptr<pending_command<T>> pending;
  std::shared_ptr<es::store_result<std::optional<es::append_ok>>> seen;
  std::shared_ptr<domain::decision<typename T::event>> decision;
};

using step_atom = caf::atom_constant<caf::atom("step")>;

/// What add-to-cart needs of a product, kept current by the product's own actor (it
/// publishes after rebuilding and after every change), so adding to a cart is one message
/// to the cart's shard instead of a round trip through the product's actor.
class product_views {
 public:
  std::optional<domain::product_view> find(const domain::product_id& id) const {
    std::shared_lock lk(mutex_);
    auto it = views_.find(id.value());
    if (it == views_.end()) return std::nullopt;
    return it->second;
  }
  void publish(const domain::product_state& p) {
    if (!domain::exists(p)) return;  // only real products: random ids never fill the map
    domain::product_view v{true, p.active, p.name, p.price};
    std::unique_lock lk(mutex_);
    views_.insert_or_assign(p.product_id.value(), std::move(v));
  }

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, domain::product_view> views_;
};

/// Shared by every actor of one engine. Lives as long as the engine.
struct runtime {
  es::event_store& store;
  engine_options options;
  work_pool pool;
  caf::actor_system* system = nullptr;
  std::vector<std::unique_ptr<shard_router>> routers;  // one per shard of the store
  product_views products;
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> in_flight{0};  // appends and pool jobs that will message an actor
  std::atomic<std::uint64_t> live{0}, spawned{0}, passivated{0}, snapshots{0};
  std::atomic<std::uint64_t> snapshots_used{0}, snapshots_unreadable{0}, events_replayed{0};
  std::atomic<std::uint64_t> command_batches{0}, batched_commands{0};

  runtime(es::event_store& s, engine_options o)
      : store(s), options(std::move(o)), pool(options.loader_threads) {
    routers.resize(store.info().shard_count);
    for (auto& r : routers) r = std::make_unique<shard_router>();
  }

  shard_router& router_of(const es::stream_id& stream) { return *routers[store.shard_of(stream).value()]; }

  /// Sends `message` to the entity of `stream` (kind T) on its shard, spawning it there if
  /// it is not live. The one way anything reaches an entity: location-transparent for the
  /// callers, so a shard owned by another node can be put behind it.
  template <class T, class Message>
  void deliver(const es::stream_id& stream, Message message);

  /// Routes a command to its entity. An invalid stream id is refused at once.
  template <class T>
  void route(std::string stream, typename T::command c, command_meta m, reply_fn<typename T::state> done) {
    auto id = es::stream_id::make(std::move(stream));
    if (!id) return refuse_invalid<T>(done);
    auto p =
        std::make_shared<pending_command<T>>(pending_command<T>{std::move(c), std::move(m), std::move(done)});
    deliver<T>(*id, command_msg<T>{id->str(), std::move(p)});
  }
  template <class T>
  void query(std::string stream, reply_fn<typename T::state> done) {
    auto id = es::stream_id::make(std::move(stream));
    if (!id) return refuse_invalid<T>(done);
    deliver<T>(*id, query_msg<T>{id->str(), std::move(done)});
  }
  void watch(std::string stream, reply_fn<domain::checkout_state> done);

  /// Runs `job` on the work pool, counted as in flight.
  void post(std::function<void()> job) {
    ++in_flight;
    if (!pool.post([this, job = std::move(job)] {
          job();
          --in_flight;
        }))
      --in_flight;  // shutting down: dropped
  }

 private:
  template <class T>
  static void refuse_invalid(const reply_fn<typename T::state>& done) {
    if (done)
      done(fail(command_error{command_error::kind::refused,
                              {domain::domain_errc::invalid_request, "invalid entity id"}}));
  }
};

struct engine::impl {
  std::unique_ptr<runtime> rt;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::thread sweeper;  // passivation
  std::mutex sweep_mutex;
  std::condition_variable sweep_cv;
  bool sweep_stop = false;
};

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
template <class T>
struct allowed_unsafe_message_type<mercato::actors::probe_msg<T>> : std::true_type {};
}  // namespace caf
