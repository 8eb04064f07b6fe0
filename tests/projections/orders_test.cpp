// The orders read model: history per user (newest first, paged), order details with
// status timeline, payments and refunds, payments by id.
#include <mercato/projections/orders.hpp>

#include "read_model_fixture.hpp"
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;
using projections::order_status_change;
using projections::orders_projection;
using projections::orders_query;
using projections::page_request;
using ids = std::vector<std::string>;
using st = domain::order_status;
using ps = domain::payment_status;

namespace {

orders_query query(const es::event_store& s) {
  return orders_query(s, projections::default_prefix<orders_projection>());
}

projections::order_view order(const es::event_store& s, const std::string& id) {
  auto o = query(s).get(id);
  REQUIRE(o.has_value());
  REQUIRE(o->has_value());
  return **o;
}

projections::payment_view payment(const es::event_store& s, const std::string& id) {
  auto p = query(s).payment(id);
  REQUIRE(p.has_value());
  REQUIRE(p->has_value());
  return **p;
}

projections::page<projections::order_view> history(const es::event_store& s, const std::string& user,
                                                   page_request p = {}) {
  auto h = query(s).history(user, p);
  REQUIRE(h.has_value());
  return std::move(*h);
}

const domain::order_id o1{"o1"};
const domain::payment_id pay1{"pay1"};

}  // namespace

TEST_CASE("an order's details: lines, totals, status timeline, shipping, payment") {
  temp_dir dir;
  clocked_store cs(dir.path());
  const auto t = day0_ns;
  cs.at(t + 1, "order/o1", {placed("o1", "u1", {line("p1", 2, 1999), line("p2", 1, 500)})});
  cs.at(t + 2, "order/o1", {domain::order_stock_reserved{o1}});
  cs.at(t + 3, "payment/pay1", {payment_requested("pay1", "o1", "u1", 4498)});
  cs.at(t + 4, "payment/pay1", {domain::payment_authorized{pay1, o1, eur(4498), "sim_1"}});
  cs.at(t + 5, "order/o1", {domain::order_payment_authorized{o1, pay1}});
  cs.at(t + 6, "order/o1", {domain::order_confirmed{o1}, note("n1", "u1", "o1")});
  cs.at(t + 7, "payment/pay1", {domain::payment_captured{pay1, o1, eur(4498), "sim_1"}});
  cs.at(t + 8, "order/o1", {domain::order_shipped{o1, "TRACK-1", "DHL"}});
  cs.at(t + 9, "order/o1", {domain::order_delivered{o1}});
  auto runner = fold_all<orders_projection>(*cs.store);

  auto o = order(*cs.store, "o1");
  CHECK(o.id == "o1");
  CHECK(o.user_id == "u1");
  CHECK(o.cart_id == "cart-u1");
  CHECK(o.checkout_id == "co-o1");
  CHECK(o.status == st::delivered);
  REQUIRE(o.lines.size() == 2);
  CHECK(o.lines[0] == projections::order_view_line{"p1", "name of p1", 2, 1999, 3998});
  CHECK(o.lines[1] == projections::order_view_line{"p2", "name of p2", 1, 500, 500});
  CHECK(o.total_minor == 4498);
  CHECK(o.currency == "EUR");
  CHECK(o.item_count == 3);
  CHECK(o.payment_id == "pay1");
  CHECK(o.tracking == "TRACK-1");
  CHECK(o.carrier == "DHL");
  CHECK(o.shipped_ns == t + 8);
  CHECK(o.delivered_ns == t + 9);
  CHECK(o.placed_ns == t + 1);
  CHECK(o.updated_ns == t + 9);
  CHECK(o.version == 7);  // 6 order events + the notification on the same stream
  CHECK(o.timeline == std::vector<order_status_change>{{st::pending, t + 1},
                                                       {st::stock_reserved, t + 2},
                                                       {st::payment_authorized, t + 5},
                                                       {st::confirmed, t + 6},
                                                       {st::shipped, t + 8},
                                                       {st::delivered, t + 9}});
  CHECK(o.refunds.empty());
  REQUIRE(o.payments.size() == 1);
  const auto& p = o.payments[0];
  CHECK(p == payment(*cs.store, "pay1"));
  CHECK(p.id == "pay1");
  CHECK(p.order_id == "o1");
  CHECK(p.user_id == "u1");
  CHECK(p.status == ps::captured);
  CHECK(p.amount_minor == 4498);
  CHECK(p.authorized_minor == 4498);
  CHECK(p.captured_minor == 4498);
  CHECK(p.refunded_minor == 0);
  CHECK(p.currency == "EUR");
  CHECK(p.provider == "simulated");
  CHECK(p.card_brand == "visa");
  CHECK(p.created_ns == t + 3);
  CHECK(p.updated_ns == t + 7);
  CHECK(p.version == 3);
}

TEST_CASE("refunds show on the order and its payment; partial then full") {
  temp_dir dir;
  clocked_store cs(dir.path());
  const auto t = day0_ns;
  const domain::refund_id r1{"r1"}, r2{"r2"};
  cs.at(t, "order/o1",
        {placed("o1", "u1", {line("p1", 1, 1000)}), domain::order_stock_reserved{o1},
         domain::order_payment_authorized{o1, pay1}, domain::order_confirmed{o1}});
  cs.at(t, "payment/pay1",
        {payment_requested("pay1", "o1", "u1", 1000), domain::payment_authorized{pay1, o1, eur(1000), "x"},
         domain::payment_captured{pay1, o1, eur(1000), "x"}});
  cs.at(t + 10, "payment/pay1", {domain::payment_refunded{pay1, o1, eur(300), r1, "x-r1", "scratched"}});
  cs.at(t + 11, "order/o1", {domain::order_refunded{o1, eur(300), "scratched", pay1, r1}});
  auto runner = fold_all<orders_projection>(*cs.store);

  auto p = payment(*cs.store, "pay1");
  CHECK(p.status == ps::partially_refunded);
  CHECK(p.refunded_minor == 300);
  REQUIRE(p.refunds.size() == 1);
  CHECK(p.refunds[0] == projections::payment_refund_view{"r1", 300, "scratched", t + 10});
  auto o = order(*cs.store, "o1");
  CHECK(o.status == st::refunded);
  CHECK(o.refunded_minor == 300);
  REQUIRE(o.refunds.size() == 1);
  CHECK(o.refunds[0] == projections::order_refund_view{"r1", "pay1", 300, "scratched", t + 11});
  CHECK(o.timeline.back() == order_status_change{st::refunded, t + 11});

  cs.at(t + 20, "payment/pay1", {domain::payment_refunded{pay1, o1, eur(700), r2, "x-r2", "lost"}});
  caught_up(*runner, cs.at(t + 21, "order/o1", {domain::order_refunded{o1, eur(700), "lost", pay1, r2}}));
  p = payment(*cs.store, "pay1");
  CHECK(p.status == ps::refunded);
  CHECK(p.refunded_minor == 1000);
  CHECK(p.refunds.size() == 2);
  o = order(*cs.store, "o1");
  CHECK(o.refunded_minor == 1000);
  CHECK(o.refunds.size() == 2);
  CHECK(o.payments.at(0).refunded_minor == 1000);
}

TEST_CASE("cancelled orders and failed or voided payments keep why") {
  temp_dir dir;
  clocked_store cs(dir.path());
  const domain::order_id o2{"o2"};
  const domain::payment_id pay2{"pay2"};
  cs.at(day0_ns, "order/o1",
        {placed("o1", "u1", {line("p1", 1, 1000)}),
         domain::order_cancelled{o1, domain::cancel_reason::customer_requested, "changed my mind",
                                 domain::user_id{"u1"}}});
  cs.at(day0_ns, "payment/pay1",
        {payment_requested("pay1", "o1", "u1", 1000),
         domain::payment_authorization_failed{pay1, o1, domain::payment_failure_reason::insufficient_funds,
                                              "nope"}});
  cs.at(day0_ns, "order/o2", {placed("o2", "u1", {line("p1", 1, 1000)}), domain::order_stock_reserved{o2}});
  cs.at(day0_ns, "payment/pay2",
        {payment_requested("pay2", "o2", "u1", 1000), domain::payment_authorized{pay2, o2, eur(1000), "y"},
         domain::payment_voided{pay2, o2, "checkout failed"}});
  auto runner = fold_all<orders_projection>(*cs.store);

  auto o = order(*cs.store, "o1");
  CHECK(o.status == st::cancelled);
  CHECK(o.cancel_reason == domain::cancel_reason::customer_requested);
  CHECK(o.cancel_detail == "changed my mind");
  CHECK(o.cancelled_by == "u1");
  REQUIRE(o.payments.size() == 1);
  CHECK(o.payments[0].status == ps::authorization_failed);
  CHECK(o.payments[0].failure == domain::payment_failure_reason::insufficient_funds);
  CHECK(o.payments[0].failure_detail == "nope");
  auto v = payment(*cs.store, "pay2");
  CHECK(v.status == ps::voided);
  CHECK(v.void_reason == "checkout failed");
  CHECK(v.authorized_minor == 1000);
  CHECK(v.captured_minor == 0);
}

TEST_CASE("a payment applied before its order still shows with the order") {
  // Different streams live on different shards: no order between them in the fold.
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "payment/pay1", {payment_requested("pay1", "o1", "u1", 1000)});
  auto runner = fold_all<orders_projection>(*cs.store);
  auto missing = query(*cs.store).get("o1");
  REQUIRE(missing.has_value());
  CHECK_FALSE(missing->has_value());
  CHECK(payment(*cs.store, "pay1").order_id == "o1");
  caught_up(*runner, cs.at(day0_ns + 1, "order/o1", {placed("o1", "u1", {line("p1", 1, 1000)})}));
  CHECK(ids_of(order(*cs.store, "o1").payments) == ids{"pay1"});
  auto none = query(*cs.store).payment("pay404");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("order history: newest first, paged, only the user's own") {
  temp_dir dir;
  clocked_store cs(dir.path());
  for (int i = 1; i <= 5; ++i) {
    const auto id = "o" + std::to_string(i);
    cs.at(day0_ns + i * 1000, "order/" + id, {placed(id, "u1", {line("p1", std::uint32_t(i), 100)})});
  }
  cs.at(day0_ns + 2500, "order/x1", {placed("x1", "u2", {line("p1", 1, 100)})});
  cs.at(day0_ns + 9000, "order/x2",
        {placed("x2", "u10", {line("p1", 1, 100)})});  // "u1" is a prefix of "u10"
  // Two orders placed at the same instant: by id.
  cs.at(day0_ns + 10000, "order/o7", {placed("o7", "u3", {line("p1", 1, 100)})});
  cs.at(day0_ns + 10000, "order/o6", {placed("o6", "u3", {line("p1", 1, 100)})});
  cs.at(day0_ns + 11000, "order/o3",
        {domain::order_stock_reserved{domain::order_id{"o3"}}});  // no reordering
  auto runner = fold_all<orders_projection>(*cs.store);

  auto all = history(*cs.store, "u1");
  CHECK(all.total == 5);
  CHECK(ids_of(all.items) == ids{"o5", "o4", "o3", "o2", "o1"});
  CHECK(all.items[2].status == st::stock_reserved);
  CHECK(all.items[0].item_count == 5);
  CHECK(all.items[0].payments.empty());  // not filled in lists

  CHECK(ids_of(history(*cs.store, "u1", {0, 2}).items) == ids{"o5", "o4"});
  CHECK(ids_of(history(*cs.store, "u1", {1, 2}).items) == ids{"o3", "o2"});
  auto last = history(*cs.store, "u1", {2, 2});
  CHECK(ids_of(last.items) == ids{"o1"});
  CHECK(last.total == 5);
  auto past = history(*cs.store, "u1", {3, 2});
  CHECK(past.items.empty());
  CHECK(past.total == 5);
  CHECK(history(*cs.store, "u1", {0, projections::max_page_size}).items.size() == 5);

  CHECK(ids_of(history(*cs.store, "u2").items) == ids{"x1"});
  CHECK(ids_of(history(*cs.store, "u10").items) == ids{"x2"});
  CHECK(ids_of(history(*cs.store, "u3").items) == ids{"o6", "o7"});
  auto nobody = history(*cs.store, "u4");
  CHECK(nobody.items.empty());
  CHECK(nobody.total == 0);

  auto bad = query(*cs.store).history("u1", {0, 0});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == es::store_errc::invalid_argument);
  CHECK_FALSE(query(*cs.store).history("u1", {0, projections::max_page_size + 1}).has_value());
  // Ids that could reach into another user's range are refused.
  CHECK_FALSE(query(*cs.store).history("", {}).has_value());
  CHECK_FALSE(query(*cs.store).history(std::string("u1\0", 3), {}).has_value());
}

TEST_CASE("an order event before OrderPlaced stalls the projection instead of skipping") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "order/o1", {domain::order_confirmed{o1}});
  auto r = projections::projection_runner::start(*cs.store, std::make_shared<orders_projection>());
  REQUIRE(r.has_value());
  REQUIRE(wait_until([&] { return (*r)->last_error().has_value(); }));
  CHECK((*r)->last_error()->find("before OrderPlaced") != std::string::npos);
  CHECK((*r)->checkpoints() == std::vector<es::shard_seq>(cs.store->info().shard_count, es::shard_seq{0}));
}
