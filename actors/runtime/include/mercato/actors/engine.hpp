#pragma once
// The actor runtime of a node: one CAF actor per live entity, spawned on first use,
// rebuilt from its latest snapshot plus later events, passivated when idle. CAF stays in
// actors/runtime/src; this header is safe to include anywhere.
//
// Threading: every `done` callback runs once, on a CAF worker thread; it must be quick and
// must not block (post the answer somewhere, e.g. to an HTTP response writer).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <mercato/actors/payment_provider.hpp>
#include <mercato/common/result.hpp>
#include <mercato/domain/cart.hpp>
#include <mercato/domain/checkout.hpp>
#include <mercato/domain/email_claim.hpp>
#include <mercato/domain/order.hpp>
#include <mercato/domain/password.hpp>
#include <mercato/domain/payment.hpp>
#include <mercato/domain/product.hpp>
#include <mercato/domain/user.hpp>
#include <mercato/eventstore/types.hpp>

namespace mercato::es {
class event_store;
}

namespace mercato::actors {

struct engine_options {
  std::chrono::milliseconds passivate_after{std::chrono::minutes(5)};
  std::uint32_t snapshot_every = 100;  ///< events between snapshots of one entity
  unsigned scheduler_threads = 2;
  unsigned loader_threads = 2;  ///< rehydration reads, snapshots, password hashing
  /// Commands one entity decides and appends together when several are waiting (1: one at
  /// a time). Outcomes are those of one-at-a-time processing either way.
  std::uint32_t max_batch_commands = 64;
  domain::cart_config cart;
  domain::pwhash_limits password;              ///< Argon2id cost
  std::shared_ptr<payment_provider> provider;  ///< default: simulated_provider
};

/// Who asked, and how to recognise a repeat.
struct command_meta {
  std::string idempotency_key;  ///< a repeat returns the first result and appends nothing
  std::string correlation_id;   ///< stored on every event the command causes
};

/// Why a command produced no result: the domain refused it, or the node could not
/// (storage failure, shutting down).
struct command_error {
  enum class kind : std::uint8_t { refused, unavailable } what = kind::refused;
  domain::domain_error error;
};

/// A command's answer: the entity's state after it, and where its events went.
template <class State>
struct reply_value {
  State state;
  es::stream_version version;
  std::vector<es::position> positions;  ///< empty when the command changed nothing
  bool replayed = false;                ///< an idempotent repeat
};
template <class State>
using reply = result<reply_value<State>, command_error>;
template <class State>
using reply_fn = std::function<void(reply<State>)>;

/// Stream ids of entities ("<kind>/<id>"), so tools and projections can filter by kind.
std::string stream_of(const domain::user_id& id);
std::string stream_of(const domain::product_id& id);
std::string stream_of(const domain::cart_id& id);
std::string stream_of(const domain::order_id& id);
std::string stream_of(const domain::payment_id& id);
std::string stream_of(const domain::checkout_id& id);
std::string email_stream_of(std::string_view normalized_email);

/// Counters for metrics and tests.
struct engine_stats {
  std::uint64_t live_entities = 0;
  std::uint64_t spawned = 0;
  std::uint64_t passivated = 0;            ///< entities retired when idle
  std::uint64_t snapshots = 0;             ///< snapshots written
  std::uint64_t snapshots_used = 0;        ///< rebuilds that started from a snapshot
  std::uint64_t snapshots_unreadable = 0;  ///< snapshots that could not be read (logged; stream replayed)
  std::uint64_t events_replayed = 0;       ///< events folded while rebuilding entities
  std::uint64_t command_batches = 0;       ///< appends of several commands of one entity at once
  std::uint64_t batched_commands = 0;      ///< commands appended in those batches
};

class engine {
 public:
  /// Starts the actor system and resumes every checkout that was left unfinished.
  static result<std::unique_ptr<engine>, std::string> start(es::event_store& store, engine_options options);
  /// Waits for in-flight commands, snapshots nothing more, stops the actor system.
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // ---- commands: one at a time per entity ------------------------------------------------
  void send(const domain::user_id& id, domain::user_command c, command_meta m,
            reply_fn<domain::user_state> done);
  void send(const std::string& normalized_email, domain::email_claim_command c, command_meta m,
            reply_fn<domain::email_claim_state> done);
  void send(const domain::product_id& id, domain::product_command c, command_meta m,
            reply_fn<domain::product_state> done);
  void send(const domain::cart_id& id, domain::cart_command c, command_meta m,
            reply_fn<domain::cart_state> done);
  void send(const domain::order_id& id, domain::order_command c, command_meta m,
            reply_fn<domain::order_state> done);
  void send(const domain::payment_id& id, domain::payment_command c, command_meta m,
            reply_fn<domain::payment_state> done);

  // ---- workflows spanning entities ---------------------------------------------------------
  /// Hashes the password (off the actor threads), claims the e-mail, registers the user;
  /// releases the claim if the registration is refused.
  void register_user(std::string email, std::string password, std::string display_name, domain::role role,
                     command_meta m, reply_fn<domain::user_state> done);
  /// Adds to the user's cart with the product's current name, price and active flag.
  void add_to_cart(const domain::user_id& user, const domain::product_id& product, std::int64_t quantity,
                   command_meta m, reply_fn<domain::cart_state> done);
  /// Starts a checkout of the user's cart and answers when it has ended, confirmed or
  /// compensated. A repeat with the same idempotency key joins the first checkout.
  void checkout(const domain::user_id& user, std::string payment_token, command_meta m,
                reply_fn<domain::checkout_state> done);

  /// Admin: captures the payment, ships the order, commits its stock reservations. Every
  /// step is keyed by the order id, so a retry after a failure finishes the job without
  /// doing any step twice.
  void ship_order(const domain::order_id& order, std::string tracking, std::string carrier, command_meta m,
                  reply_fn<domain::order_state> done);
  /// Cancels an order before it is shipped (a customer only their own: `by` is checked
  /// against the order's user unless `by_admin`), releases its stock and voids the payment.
  void cancel_order(const domain::order_id& order, const domain::user_id& by, bool by_admin,
                    std::string detail, command_meta m, reply_fn<domain::order_state> done);
  /// Admin: refunds `amount` of the captured payment (the whole total when nullopt) and
  /// records it on the order. Releases nothing.
  void refund_order(const domain::order_id& order, std::optional<domain::money> amount, std::string reason,
                    command_meta m, reply_fn<domain::order_state> done);

  // ---- reads of an entity's current state (tools and tests; queries use projections) ------
  void get(const domain::user_id& id, reply_fn<domain::user_state> done);
  void get(const std::string& normalized_email, reply_fn<domain::email_claim_state> done);
  void get(const domain::product_id& id, reply_fn<domain::product_state> done);
  void get(const domain::cart_id& id, reply_fn<domain::cart_state> done);
  void get(const domain::order_id& id, reply_fn<domain::order_state> done);
  void get(const domain::payment_id& id, reply_fn<domain::payment_state> done);
  void get(const domain::checkout_id& id, reply_fn<domain::checkout_state> done);

  engine_stats stats() const;
  payment_provider& provider();

  struct impl;

 private:
  explicit engine(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

/// Blocking helper for tests and tools: waits for the answer of `start(done)`.
template <class State, class Start>
reply<State> await(Start&& start) {
  auto promise = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
  std::optional<reply<State>> answer;
  start([promise, &answer](reply<State> r) {
    std::lock_guard lk(promise->first);
    answer.emplace(std::move(r));
    promise->second.notify_all();
  });
  std::unique_lock lk(promise->first);
  promise->second.wait(lk, [&] { return answer.has_value(); });
  return std::move(*answer);
}

}  // namespace mercato::actors
