#pragma once
// The live entities of one shard of the log: spawned on first use, retired when idle, and
// found without an actor in between. Whoever has a message for an entity (an HTTP thread,
// another entity, the checkout saga) looks its actor up under the shard's lock and enqueues
// the message itself: there is no node-wide registry that every command crosses.
//
// Retiring without losing a message: a message is enqueued only while its entity's entry is
// in the map (both under the shard's lock), and an entity is retired by erasing its entry and
// then, still under the lock, sending it `retire`. Every message ever routed to it is
// therefore ahead of `retire` in its mailbox; it answers them and quits. The next message for
// that stream spawns a new actor, which rebuilds from the log.
//
// Includes CAF: for actors/runtime/src only.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/all.hpp>

namespace mercato::actors {

using retire_atom = caf::atom_constant<caf::atom("retire")>;

/// What an entity tells its router about itself, without a message: since when it has been
/// idle (steady-clock nanoseconds), or `busy` while it has work in flight.
struct activity {
  static constexpr std::int64_t busy = std::numeric_limits<std::int64_t>::max();
  std::atomic<std::int64_t> idle_since{busy};
  static std::int64_t now() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class shard_router {
 public:
  shard_router() = default;
  shard_router(const shard_router&) = delete;
  shard_router& operator=(const shard_router&) = delete;

  /// Enqueues `message` to the entity of `stream`, first spawning it with
  /// `spawn(std::shared_ptr<activity>) -> caf::actor` when it is not live.
  template <class Spawn, class Message>
  void deliver(const std::string& stream, Spawn&& spawn, Message&& message) {
    std::lock_guard lk(mutex_);
    auto it = live_.find(stream);
    if (it == live_.end()) {
      auto act = std::make_shared<activity>();
      caf::actor a = spawn(act);
      it = live_.emplace(stream, entry{std::move(a), std::move(act)}).first;
    }
    caf::anon_send(it->second.actor, std::forward<Message>(message));
  }

  /// Retires every entity idle since before `cutoff` (activity::now() scale); returns how
  /// many it retired.
  std::size_t retire_idle(std::int64_t cutoff) {
    std::size_t n = 0;
    std::lock_guard lk(mutex_);
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->second.act->idle_since.load(std::memory_order_relaxed) < cutoff) {
        caf::anon_send(it->second.actor, retire_atom::value);
        it = live_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  /// Forgets `stream` if its live actor is `who` (an entity that must stop on its own, e.g.
  /// when its stream cannot be read); it is then sent `retire` like any retired entity.
  void forget(const std::string& stream, const caf::actor_addr& who) {
    std::lock_guard lk(mutex_);
    auto it = live_.find(stream);
    if (it == live_.end() || it->second.actor.address() != who) return;
    caf::anon_send(it->second.actor, retire_atom::value);
    live_.erase(it);
  }

  /// Takes every live actor out (the engine is stopping): later deliveries spawn anew, so the
  /// caller stops those first.
  std::vector<caf::actor> take_all() {
    std::vector<caf::actor> out;
    std::lock_guard lk(mutex_);
    out.reserve(live_.size());
    for (auto& [stream, e] : live_) out.push_back(std::move(e.actor));
    live_.clear();
    return out;
  }

  std::size_t size() {
    std::lock_guard lk(mutex_);
    return live_.size();
  }

 private:
  struct entry {
    caf::actor actor;
    std::shared_ptr<activity> act;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, entry> live_;
};

}  // namespace mercato::actors
