// The actor runtime on real storage: restart equality, passivation, snapshots, idempotency,
// serialised commands, registration races and both checkout outcomes.
#include <atomic>
#include <thread>

#include <mercato/codec/codec.hpp>
#include <mercato/domain/events.hpp>

#include "engine_fixture.hpp"
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;
using domain::product_id;

TEST_CASE("an entity's state after a restart equals its state before") {
  engine_fixture f;
  f.create_product("prod-1", 5);
  REQUIRE(f.send(product_id{"prod-1"}, domain::product_command{domain::restock_product{7}}));
  auto before = f.get(product_id{"prod-1"});
  REQUIRE(before);
  CHECK(before->state.stock == 12);
  f.restart();
  auto after = f.get(product_id{"prod-1"});
  REQUIRE(after);
  CHECK(after->state == before->state);
  CHECK(after->version == before->version);
}

TEST_CASE("refusals append nothing and say why") {
  engine_fixture f;
  auto r = f.send(product_id{"p"}, domain::product_command{domain::restock_product{3}});
  REQUIRE_FALSE(r);
  CHECK(r.error().what == actors::command_error::kind::refused);
  CHECK(r.error().error.code == domain::domain_errc::product_not_found);
  CHECK(f.store->global_head().value() == 0);
  auto u = f.register_user("a@example.com");
  REQUIRE(u);
  auto missing = f.add_to_cart(u->state.user_id, "nope", 1);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().error.code == domain::domain_errc::product_not_found);
  f.create_product("p1", 5);
  auto too_many = f.add_to_cart(u->state.user_id, "p1", 100);
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().error.code == domain::domain_errc::quantity_out_of_range);
}

TEST_CASE("concurrent commands to one entity serialise") {
  engine_fixture f;
  f.create_product("hot", 0);
  constexpr int n = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < n / 8; ++i)
        if (f.send(product_id{"hot"}, domain::product_command{domain::restock_product{1}})) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == n);
  auto s = f.get(product_id{"hot"});
  CHECK(s->state.stock == n);
  CHECK(s->version.value() == n + 1);
  auto events = f.store->read_stream(*es::stream_id::make("product/hot"), es::stream_version{1},
                                     es::read_direction::forward, 1000);
  REQUIRE(events->size() == n + 1);
  for (std::size_t i = 0; i < events->size(); ++i) CHECK((*events)[i].version.value() == i + 1);
}

TEST_CASE("an idempotency key returns the first result and appends nothing, across restarts") {
  engine_fixture f;
  f.create_product("p", 0);
  actors::command_meta m{"restock-1", "req-1"};
  auto first = f.send(product_id{"p"}, domain::product_command{domain::restock_product{5}}, m);
  REQUIRE(first);
  const auto head = f.store->global_head();
  auto again = f.send(product_id{"p"}, domain::product_command{domain::restock_product{5}}, m);
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->positions == first->positions);
  CHECK(again->state.stock == 5);
  f.restart();
  auto after = f.send(product_id{"p"}, domain::product_command{domain::restock_product{5}}, m);
  REQUIRE(after);
  CHECK(after->replayed);
  CHECK(after->state.stock == 5);
  CHECK(f.store->global_head() == head);
}

TEST_CASE("idle entities passivate and come back with their state") {
  engine_fixture f;
  f.options.passivate_after = 50ms;
  f.restart();
  f.create_product("p", 3);
  CHECK(wait_until([&] { return f.engine->stats().passivated >= 1; }));
  CHECK(wait_until([&] { return f.engine->stats().live_entities == 0; }));
  auto s = f.send(product_id{"p"}, domain::product_command{domain::restock_product{1}});
  REQUIRE(s);
  CHECK(s->state.stock == 4);
  CHECK(f.engine->stats().spawned >= 2);
}

TEST_CASE("snapshot plus tail replay equals full replay") {
  engine_fixture f;
  f.options.snapshot_every = 10;
  f.restart();
  f.create_product("p", 0);
  for (int i = 0; i < 34; ++i)
    REQUIRE(f.send(product_id{"p"}, domain::product_command{domain::restock_product{1}}));
  CHECK(wait_until([&] { return f.engine->stats().snapshots >= 3; }));
  f.restart();
  auto from_snapshot = f.get(product_id{"p"});
  REQUIRE(from_snapshot);
  auto snap = f.store->load_snapshot(*es::stream_id::make("product/p"));
  REQUIRE(snap->has_value());
  CHECK((*snap)->version.value() >= 30);

  // Full replay in the test, with the domain code alone.
  domain::product_state full;
  auto events = f.store->read_stream(*es::stream_id::make("product/p"), es::stream_version{1},
                                     es::read_direction::forward, 1000);
  for (const auto& e : *events) {
    auto any = codec::decode_event(e);
    REQUIRE(any);
    auto ev = domain::as_entity_event<domain::product_event>(*any);
    REQUIRE(ev);
    full = domain::apply(std::move(full), *ev);
  }
  CHECK(from_snapshot->state == full);
  CHECK(full.stock == 34);
  // The rebuild really started from the snapshot: it replayed only the tail after it.
  const auto stats = f.engine->stats();
  CHECK(stats.snapshots_used == 1);
  CHECK(stats.snapshots_unreadable == 0);
  CHECK(stats.events_replayed == 35 - (*snap)->version.value());
}

TEST_CASE("a snapshot that cannot be read is counted, logged, and the stream replayed instead") {
  engine_fixture f;
  f.create_product("p", 2);
  REQUIRE(f.send(product_id{"p"}, domain::product_command{domain::restock_product{3}}));
  f.engine.reset();  // nothing live writes snapshots meanwhile
  es::aux_batch garbage;
  garbage.put_snapshot(*es::stream_id::make("product/p"), es::stream_version{2}, std::string(40, '\x7f'));
  REQUIRE(f.store->commit(std::move(garbage)));
  f.restart();
  auto p = f.get(product_id{"p"});
  REQUIRE(p);
  CHECK(p->state.stock == 5);
  CHECK(p->version.value() == 2);
  const auto stats = f.engine->stats();
  CHECK(stats.snapshots_unreadable == 1);
  CHECK(stats.snapshots_used == 0);
  CHECK(stats.events_replayed == 2);
}

TEST_CASE("a keyed repeat whose decision would now be a refusal answers with the first result") {
  engine_fixture f;
  actors::command_meta m{"create-1", "req-1"};
  const domain::create_product c{product_id{"p"},
                                 "SKU-P",
                                 std::string("P"),
                                 {},
                                 {},
                                 domain::money{100, *domain::currency_code::parse("EUR")},
                                 {},
                                 1};
  auto first = f.send(product_id{"p"}, domain::product_command{c}, m);
  REQUIRE(first);
  const auto head = f.store->global_head();
  // Deciding it again would refuse (product_exists): the key was seen, so the first result.
  auto again = f.send(product_id{"p"}, domain::product_command{c}, m);
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->positions == first->positions);
  // Without the key it is refused, and still appends nothing.
  auto unkeyed = f.send(product_id{"p"}, domain::product_command{c});
  REQUIRE_FALSE(unkeyed);
  CHECK(unkeyed.error().error.code == domain::domain_errc::product_exists);
  CHECK(f.store->global_head() == head);
}

TEST_CASE("e-mail addresses are unique, case-insensitively, even when registrations race") {
  engine_fixture f;
  auto first = f.register_user("Jane@Example.com");
  REQUIRE(first);
  auto dup = f.register_user("jane@example.COM");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().error.code == domain::domain_errc::email_taken);

  std::atomic<int> winners{0}, taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t)
    threads.emplace_back([&] {
      auto r = f.register_user("race@example.com");
      if (r)
        ++winners;
      else if (r.error().error.code == domain::domain_errc::email_taken)
        ++taken;
    });
  for (auto& t : threads) t.join();
  CHECK(winners == 1);
  CHECK(taken == 9);
  CHECK_FALSE(f.register_user("not-an-email"));
}

TEST_CASE("checkout with tok_visa confirms the order and takes the stock") {
  engine_fixture f;
  f.create_product("p1", 5, 1500);
  f.create_product("p2", 5, 250);
  auto u = f.register_user("buyer@example.com");
  REQUIRE(u);
  REQUIRE(f.add_to_cart(u->state.user_id, "p1", 2));
  REQUIRE(f.add_to_cart(u->state.user_id, "p2", 1));
  auto c = f.checkout(u->state.user_id, "tok_visa");
  REQUIRE_MESSAGE(c, (c ? "" : c.error().error.message));
  CHECK(c->state.step == domain::checkout_step::completed);
  CHECK(c->state.outcome == domain::checkout_outcome::confirmed);
  auto order = f.get(c->state.order_id);
  REQUIRE(order);
  CHECK(order->state.status == domain::order_status::confirmed);
  CHECK(order->state.total == eur(3250));
  auto pay = f.get(c->state.payment_id);
  CHECK(pay->state.status == domain::payment_status::authorized);
  CHECK(f.get(product_id{"p1"})->state.stock == 3);
  auto cart = f.get(domain::cart_id_for(u->state.user_id));
  CHECK(cart->state.lines.empty());
  // A notification was emitted with the confirmation, on the order's stream.
  auto events = f.store->read_stream(*es::stream_id::make("order/" + c->state.order_id.value()),
                                     es::stream_version{1}, es::read_direction::forward, 100);
  bool notified = false;
  for (const auto& e : *events) notified |= e.type == "NotificationEmitted";
  CHECK(notified);
}

TEST_CASE("checkout with tok_chargeDeclined cancels the order and releases the stock") {
  engine_fixture f;
  f.create_product("p1", 5);
  auto u = f.register_user("declined@example.com");
  REQUIRE(f.add_to_cart(u->state.user_id, "p1", 2));
  auto c = f.checkout(u->state.user_id, "tok_chargeDeclined");
  REQUIRE(c);
  CHECK(c->state.outcome == domain::checkout_outcome::compensated);
  CHECK(c->state.compensation_reason == domain::cancel_reason::payment_failed);
  CHECK(f.get(c->state.order_id)->state.status == domain::order_status::cancelled);
  auto p = f.get(product_id{"p1"});
  CHECK(p->state.stock == 5);
  CHECK(p->state.reservations.empty());
  CHECK(f.get(c->state.payment_id)->state.status == domain::payment_status::authorization_failed);
}

TEST_CASE("checkout of an empty cart is refused; a keyed repeat joins the first checkout") {
  engine_fixture f;
  auto u = f.register_user("e@example.com");
  auto empty = f.checkout(u->state.user_id, "tok_visa");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().error.code == domain::domain_errc::cart_empty);

  f.create_product("p", 3);
  REQUIRE(f.add_to_cart(u->state.user_id, "p", 1));
  actors::command_meta m{"checkout-key", ""};
  auto first = f.checkout(u->state.user_id, "tok_visa", m);
  REQUIRE(first);
  auto again = f.checkout(u->state.user_id, "tok_visa", m);
  REQUIRE(again);
  CHECK(again->state.checkout_id == first->state.checkout_id);
  CHECK(f.get(product_id{"p"})->state.stock == 2);
}

namespace {
actors::reply<domain::order_state> ship(engine_fixture& f, const domain::order_id& o) {
  return actors::await<domain::order_state>(
      [&](auto done) { f.engine->ship_order(o, "TRACK-1", "DHL", {}, std::move(done)); });
}
}  // namespace

TEST_CASE("shipping captures the payment and commits the stock; refunds record the money") {
  engine_fixture f;
  f.create_product("p", 5, 1000);
  auto u = f.register_user("ship@example.com");
  REQUIRE(f.add_to_cart(u->state.user_id, "p", 2));
  auto c = f.checkout(u->state.user_id, "tok_visa");
  REQUIRE(c);
  auto shipped = ship(f, c->state.order_id);
  REQUIRE_MESSAGE(shipped, (shipped ? "" : shipped.error().error.message));
  CHECK(shipped->state.status == domain::order_status::shipped);
  CHECK(shipped->state.tracking == "TRACK-1");
  auto pay = f.get(c->state.payment_id);
  CHECK(pay->state.captured == eur(2000));
  auto p = f.get(product_id{"p"});
  CHECK(p->state.sold == 2);
  CHECK(p->state.reservations.empty());
  CHECK(p->state.stock == 3);
  // Shipping again changes nothing.
  const auto head = f.store->global_head();
  REQUIRE(ship(f, c->state.order_id));
  CHECK(f.store->global_head() == head);

  auto refunded = actors::await<domain::order_state>([&](auto done) {
    f.engine->refund_order(c->state.order_id, std::nullopt, "damaged", {}, std::move(done));
  });
  REQUIRE_MESSAGE(refunded, (refunded ? "" : refunded.error().error.message));
  CHECK(refunded->state.status == domain::order_status::refunded);
  CHECK(f.get(c->state.payment_id)->state.refunded == eur(2000));
  CHECK(f.get(product_id{"p"})->state.sold == 2);  // a refund releases nothing
}

TEST_CASE("a customer cancels their confirmed order: stock released, payment voided") {
  engine_fixture f;
  f.create_product("p", 5);
  auto u = f.register_user("cancel@example.com");
  auto other = f.register_user("other@example.com");
  REQUIRE(f.add_to_cart(u->state.user_id, "p", 3));
  auto c = f.checkout(u->state.user_id, "tok_visa");
  REQUIRE(c);
  auto cancel = [&](const domain::user_id& by) {
    return actors::await<domain::order_state>([&](auto done) {
      f.engine->cancel_order(c->state.order_id, by, false, "changed my mind", {}, std::move(done));
    });
  };
  auto foreign = cancel(other->state.user_id);
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().error.code == domain::domain_errc::order_not_found);
  auto mine = cancel(u->state.user_id);
  REQUIRE(mine);
  CHECK(mine->state.status == domain::order_status::cancelled);
  CHECK(f.get(product_id{"p"})->state.stock == 5);
  CHECK(f.get(c->state.payment_id)->state.status == domain::payment_status::voided);
  // Shipping a cancelled order is refused.
  auto s = ship(f, c->state.order_id);
  REQUIRE_FALSE(s);
  CHECK(s.error().error.code == domain::domain_errc::invalid_transition);
}

TEST_CASE("provider failures and insufficient funds compensate with the reason recorded") {
  engine_fixture f;
  auto sim = std::make_shared<actors::simulated_provider>();
  f.options.provider = sim;
  f.restart();
  f.create_product("p", 10);
  auto u = f.register_user("pf@example.com");
  REQUIRE(f.add_to_cart(u->state.user_id, "p", 1));
  sim->fail_next(1);
  sim->set_delay(20ms);
  auto failed = f.checkout(u->state.user_id, "tok_visa");
  REQUIRE(failed);
  CHECK(failed->state.outcome == domain::checkout_outcome::compensated);
  CHECK(failed->state.compensation_reason == domain::cancel_reason::payment_failed);
  CHECK(f.get(failed->state.payment_id)->state.failure_reason ==
        domain::payment_failure_reason::provider_error);

  sim->set_delay(0ms);
  REQUIRE(f.add_to_cart(u->state.user_id, "p", 1));
  auto poor = f.checkout(u->state.user_id, "tok_insufficientFunds");
  REQUIRE(poor);
  CHECK(poor->state.outcome == domain::checkout_outcome::compensated);
  CHECK(f.get(poor->state.payment_id)->state.failure_reason ==
        domain::payment_failure_reason::insufficient_funds);
  CHECK(f.get(product_id{"p"})->state.stock == 10);
  CHECK(sim->calls() == 2);
}
