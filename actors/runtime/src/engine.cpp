// The engine: actor system, one router per shard (entities spawned on first use, retired
// by a sweeper when idle), workflows that span entities, and resuming unfinished checkouts
// at start.
#include <malloc.h>
#include <sodium.h>

#include <algorithm>
#include <thread>
#include <unordered_map>

#include <mercato/common/ids.hpp>

#include "checkout_driver.hpp"

namespace mercato::actors {

// ---- stream ids ------------------------------------------------------------------------

std::string stream_of(const domain::user_id& id) {
  return "user/" + id.value();
}
std::string stream_of(const domain::product_id& id) {
  return "product/" + id.value();
}
std::string stream_of(const domain::cart_id& id) {
  return "cart/" + id.value();
}
std::string stream_of(const domain::order_id& id) {
  return "order/" + id.value();
}
std::string stream_of(const domain::payment_id& id) {
  return "payment/" + id.value();
}
std::string stream_of(const domain::checkout_id& id) {
  return "checkout/" + id.value();
}
std::string email_stream_of(std::string_view normalized_email) {
  return "email/" + std::string(normalized_email);
}

namespace {

constexpr std::string_view open_checkouts_begin = "runtime/open-checkouts/";
constexpr std::string_view open_checkouts_end = "runtime/open-checkouts0";

// New entity ids: random, or derived from the request's idempotency key (mercato/common/ids.hpp).
using ids::derived_id;
using ids::random_id;

template <class State>
void refuse(const reply_fn<State>& done, domain::domain_errc code, std::string message) {
  if (done) done(fail(command_error{command_error::kind::refused, {code, std::move(message)}}));
}

}  // namespace

void runtime::watch(std::string stream, reply_fn<domain::checkout_state> done) {
  auto id = es::stream_id::make(std::move(stream));
  if (!id) return refuse(done, domain::domain_errc::invalid_request, "invalid checkout id");
  deliver<checkout_traits>(*id, watch_msg{id->str(), std::move(done)});
}

namespace {

/// Retires the entities that have been idle for passivate_after, checking every tick; gives
/// freed memory back to the system after a sweep that retired many.
void sweep(engine::impl& im) {
  auto& rt = *im.rt;
  const auto after = rt.options.passivate_after;
  const auto tick = std::clamp(after / 20, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  const auto after_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(after).count();
  std::uint64_t retired_since_trim = 0;
  std::unique_lock lk(im.sweep_mutex);
  while (!im.sweep_cv.wait_for(lk, tick, [&] { return im.sweep_stop; })) {
    lk.unlock();
    const auto cutoff = activity::now() - after_ns;
    std::size_t retired = 0;
    for (auto& r : rt.routers) retired += r->retire_idle(cutoff);
    retired_since_trim += retired;
    // Retired actors free their memory as they quit; once a sweep finds nothing more to do,
    // hand what many of them freed back to the system (glibc keeps it otherwise).
    if (retired == 0 && retired_since_trim >= 10000) {
      malloc_trim(0);
      retired_since_trim = 0;
    }
    lk.lock();
  }
}

}  // namespace

// ---- engine --------------------------------------------------------------------------------

engine::engine(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

result<std::unique_ptr<engine>, std::string> engine::start(es::event_store& store, engine_options options) {
  if (sodium_init() < 0) return fail(std::string("libsodium could not be initialised"));
  if (!options.provider) options.provider = std::make_shared<simulated_provider>();
  if (options.scheduler_threads == 0 || options.loader_threads == 0)
    return fail(std::string("the engine needs at least one scheduler and one loader thread"));
  auto im = std::make_unique<impl>();
  im->rt = std::make_unique<runtime>(store, std::move(options));
  im->cfg.set("scheduler.max-threads", static_cast<std::size_t>(im->rt->options.scheduler_threads));
  im->cfg.set("logger.verbosity", caf::atom("quiet"));
  im->system = std::make_unique<caf::actor_system>(im->cfg);
  im->rt->system = im->system.get();
  im->sweeper = std::thread([p = im.get()] { sweep(*p); });

  // Resume every checkout that had not completed when the node stopped.
  std::vector<std::string> open;
  auto scanned = store.scan_projection(open_checkouts_begin, open_checkouts_end,
                                       [&](std::string_view key, std::string_view) {
                                         open.emplace_back(key.substr(open_checkouts_begin.size()));
                                         return true;
                                       });
  std::unique_ptr<engine> e(new engine(std::move(im)));
  if (!scanned) return fail("cannot list open checkouts: " + scanned.error().message);
  for (auto& stream : open) e->impl_->rt->watch(std::move(stream), {});
  return e;
}

engine::~engine() {
  auto& im = *impl_;
  auto& rt = *im.rt;
  rt.stopping = true;
  {
    std::lock_guard lk(im.sweep_mutex);
    im.sweep_stop = true;
  }
  im.sweep_cv.notify_all();
  im.sweeper.join();
  // Let appends and loads already under way finish, so no callback outlives the system.
  for (int i = 0; i < 1000 && rt.in_flight.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Every live entity is told to stop; nothing snapshots (a later start replays the tail).
  for (auto& r : rt.routers)
    for (auto& a : r->take_all()) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  rt.pool.close();
  im.system.reset();
  im.rt.reset();
}

engine_stats engine::stats() const {
  const auto& rt = *impl_->rt;
  return {rt.live.load(),
          rt.spawned.load(),
          rt.passivated.load(),
          rt.snapshots.load(),
          rt.snapshots_used.load(),
          rt.snapshots_unreadable.load(),
          rt.events_replayed.load(),
          rt.command_batches.load(),
          rt.batched_commands.load()};
}

payment_provider& engine::provider() {
  return *impl_->rt->options.provider;
}

#define MERCATO_SEND(Traits, IdType, stream_expr)                                                            \
  void engine::send(const IdType& id, Traits::command c, command_meta m, reply_fn<Traits::state> done) {     \
    if (impl_->rt->stopping) return (void)(done ? done(fail(unavailable("the node is stopping"))) : void()); \
    impl_->rt->route<Traits>(stream_expr, std::move(c), std::move(m), std::move(done));                      \
  }                                                                                                          \
  void engine::get(const IdType& id, reply_fn<Traits::state> done) {                                         \
    impl_->rt->query<Traits>(stream_expr, std::move(done));                                                  \
  }

MERCATO_SEND(user_traits, domain::user_id, stream_of(id))
MERCATO_SEND(email_traits, std::string, email_stream_of(id))
MERCATO_SEND(product_traits, domain::product_id, stream_of(id))
MERCATO_SEND(cart_traits, domain::cart_id, stream_of(id))
MERCATO_SEND(order_traits, domain::order_id, stream_of(id))
MERCATO_SEND(payment_traits, domain::payment_id, stream_of(id))
#undef MERCATO_SEND

void engine::get(const domain::checkout_id& id, reply_fn<domain::checkout_state> done) {
  impl_->rt->query<checkout_traits>(stream_of(id), std::move(done));
}

// ---- workflows ---------------------------------------------------------------------------

void engine::register_user(std::string email, std::string password, std::string display_name,
                           domain::role role, command_meta m, reply_fn<domain::user_state> done) {
  auto* rt = impl_->rt.get();
  if (rt->stopping) return done(fail(unavailable("the node is stopping")));
  auto parsed = domain::parse_email(email);
  if (!parsed) return done(fail(command_error{command_error::kind::refused, parsed.error()}));
  if (auto policy = domain::check_password_policy(password); !policy)
    return done(fail(command_error{command_error::kind::refused, policy.error()}));
  const domain::user_id id{m.idempotency_key.empty() ? random_id()
                                                     : derived_id("register", m.idempotency_key)};
  const std::string normalized = parsed->normalized;
  rt->post([rt, id, email, normalized, password = std::move(password), display_name = std::move(display_name),
            role, m, done = std::move(done)]() mutable {
    std::string hash = domain::hash_password(password, rt->options.password);
    command_meta claim_meta{m.idempotency_key.empty() ? "" : "claim/" + m.idempotency_key, m.correlation_id};
    rt->route<email_traits>(email_stream_of(normalized), domain::claim_email{email, id}, claim_meta,
                            [rt, id, email, normalized, hash = std::move(hash), display_name, role, m,
                             done](reply<domain::email_claim_state> c) {
                              if (!c) return done(fail(c.error()));
                              rt->route<user_traits>(
                                  stream_of(id), domain::register_user{id, email, display_name, hash, role},
                                  m, [rt, id, normalized, done](reply<domain::user_state> u) {
                                    if (!u && u.error().what == command_error::kind::refused)
                                      rt->route<email_traits>(email_stream_of(normalized),
                                                              domain::release_email{id}, {}, {});
                                    done(std::move(u));
                                  });
                            });
  });
}

void engine::add_to_cart(const domain::user_id& user, const domain::product_id& product,
                         std::int64_t quantity, command_meta m, reply_fn<domain::cart_state> done) {
  auto* rt = impl_->rt.get();
  if (rt->stopping) return done(fail(unavailable("the node is stopping")));
  const auto cart = stream_of(domain::cart_id_for(user));
  // The product's name, price and state as its actor last published them: one message to
  // the cart's shard. Only the first add of a product since the node started asks the
  // product's actor (which then publishes).
  if (auto view = rt->products.find(product))
    return rt->route<cart_traits>(cart, domain::add_cart_item{user, product, quantity, std::move(*view)}, m,
                                  std::move(done));
  if (!es::stream_id::make(stream_of(product)))
    return refuse(done, domain::domain_errc::product_not_found, "no such product");
  rt->query<product_traits>(
      stream_of(product), [rt, user, product, quantity, m, cart, done](reply<domain::product_state> p) {
        if (!p) return done(fail(p.error()));
        domain::product_view view{domain::exists(p->state), p->state.active, p->state.name, p->state.price};
        rt->route<cart_traits>(cart, domain::add_cart_item{user, product, quantity, view}, m, done);
      });
}

void engine::checkout(const domain::user_id& user, std::string payment_token, command_meta m,
                      reply_fn<domain::checkout_state> done) {
  auto* rt = impl_->rt.get();
  if (rt->stopping) return done(fail(unavailable("the node is stopping")));
  const domain::checkout_id id{
      "chk-" + (m.idempotency_key.empty() ? random_id() : derived_id(user.value(), m.idempotency_key))};
  const std::string stream = stream_of(id);
  auto begin = [rt, user, id, stream, payment_token = std::move(payment_token), m, done]() {
    const auto cart = domain::cart_id_for(user);
    rt->query<cart_traits>(stream_of(cart),
                           [rt, user, id, stream, cart, payment_token, m, done](reply<domain::cart_state> c) {
                             if (!c) return done(fail(c.error()));
                             auto lines = domain::order_lines_of(c->state);
                             if (!lines)
                               return done(fail(command_error{command_error::kind::refused, lines.error()}));
                             const auto suffix = id.value().substr(4);
                             domain::start_checkout start{id,
                                                          user,
                                                          cart,
                                                          domain::order_id{"ord-" + suffix},
                                                          domain::payment_id{"pay-" + suffix},
                                                          std::move(*lines),
                                                          payment_token};
                             rt->route<checkout_traits>(stream, std::move(start), m,
                                                        [rt, stream, done](reply<domain::checkout_state> r) {
                                                          if (!r) return done(std::move(r));
                                                          rt->watch(stream, done);
                                                        });
                           });
  };
  if (m.idempotency_key.empty()) return begin();
  // A repeat of a keyed checkout joins the first one instead of starting anew.
  rt->query<checkout_traits>(stream, [rt, stream, begin, done](reply<domain::checkout_state> r) {
    if (r && domain::exists(r->state)) return rt->watch(stream, done);
    begin();
  });
}

}  // namespace mercato::actors
