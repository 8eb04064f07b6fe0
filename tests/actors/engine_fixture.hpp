#pragma once
// A real event store in a temporary directory with a running engine, restartable.
#include <doctest/doctest.h>

#include <mercato/actors/engine.hpp>
#include <mercato/domain/money.hpp>
#include <mercato/eventstore/store.hpp>

#include "temp_dir.hpp"

namespace mercato::test {

inline domain::money eur(std::int64_t cents) {
  return *domain::make_money(cents, "EUR");
}

struct engine_fixture {
  temp_dir dir;
  actors::engine_options options;
  std::unique_ptr<es::event_store> store;
  std::unique_ptr<actors::engine> engine;

  engine_fixture() {
    options.password = {1, 8192};  // libsodium's minimum: fast tests
    start();
  }
  ~engine_fixture() { stop(); }

  void start() {
    es::store_options o;
    o.data_dir = dir / "data";
    o.shard_count = 8;
    auto s = es::event_store::open(o);
    REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
    store = std::move(*s);
    auto e = actors::engine::start(*store, options);
    REQUIRE_MESSAGE(e, (e ? "" : e.error()));
    engine = std::move(*e);
  }
  void stop() {
    engine.reset();
    store.reset();
  }
  void restart() {
    stop();
    start();
  }

  template <class Id, class Command>
  auto send(const Id& id, Command c, actors::command_meta m = {}) {
    using state = typename decltype(state_of(id))::type;
    return actors::await<state>(
        [&](auto done) { engine->send(id, std::move(c), std::move(m), std::move(done)); });
  }
  template <class Id>
  auto get(const Id& id) {
    using state = typename decltype(state_of(id))::type;
    return actors::await<state>([&](auto done) { engine->get(id, std::move(done)); });
  }

  void create_product(const std::string& id, std::int64_t stock, std::int64_t price_cents = 1000) {
    auto r =
        send(domain::product_id{id}, domain::product_command{domain::create_product{domain::product_id{id},
                                                                                    "SKU-" + id,
                                                                                    "Product " + id,
                                                                                    "A product",
                                                                                    "misc",
                                                                                    eur(price_cents),
                                                                                    {},
                                                                                    stock}});
    REQUIRE_MESSAGE(r, (r ? "" : r.error().error.message));
  }
  actors::reply<domain::user_state> register_user(const std::string& email, actors::command_meta m = {}) {
    return actors::await<domain::user_state>([&](auto done) {
      engine->register_user(email, "Password123!", "Someone", domain::role::customer, m, std::move(done));
    });
  }
  actors::reply<domain::cart_state> add_to_cart(const domain::user_id& u, const std::string& product,
                                                std::int64_t qty, actors::command_meta m = {}) {
    return actors::await<domain::cart_state>(
        [&](auto done) { engine->add_to_cart(u, domain::product_id{product}, qty, m, std::move(done)); });
  }
  actors::reply<domain::checkout_state> checkout(const domain::user_id& u, const std::string& token,
                                                 actors::command_meta m = {}) {
    return actors::await<domain::checkout_state>(
        [&](auto done) { engine->checkout(u, token, m, std::move(done)); });
  }

 private:
  template <class T>
  struct tag {
    using type = T;
  };
  static tag<domain::user_state> state_of(const domain::user_id&);
  static tag<domain::email_claim_state> state_of(const std::string&);
  static tag<domain::product_state> state_of(const domain::product_id&);
  static tag<domain::cart_state> state_of(const domain::cart_id&);
  static tag<domain::order_state> state_of(const domain::order_id&);
  static tag<domain::payment_state> state_of(const domain::payment_id&);
  static tag<domain::checkout_state> state_of(const domain::checkout_id&);
};

}  // namespace mercato::test
