// The admin read model: revenue and orders per UTC day, top products, low stock.
#include <mercato/projections/admin.hpp>

#include "read_model_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using projections::admin_projection;
using projections::admin_query;
using projections::currency_figures;
using projections::day_figures;
using ids = std::vector<std::string>;

namespace {

admin_query query(const es::event_store& s) {
  return admin_query(s, projections::default_prefix<admin_projection>());
}

std::vector<day_figures> days(const es::event_store& s, std::string_view from, std::string_view to) {
  auto d = query(s).days(from, to);
  REQUIRE(d.has_value());
  return std::move(*d);
}

std::vector<projections::product_figures> top(const es::event_store& s, std::size_t limit) {
  auto r = query(s).top_products(limit);
  REQUIRE(r.has_value());
  return std::move(*r);
}

std::vector<projections::product_figures> low(const es::event_store& s, std::uint32_t threshold,
                                              std::size_t limit = 20) {
  auto r = query(s).low_stock(threshold, limit);
  REQUIRE(r.has_value());
  return std::move(*r);
}

domain::product_stock_reserved reserve(const std::string& p, const std::string& o, std::uint32_t q) {
  return domain::product_stock_reserved{domain::product_id{p}, domain::order_id{o}, q, 0};
}
domain::product_reservation_committed commit(const std::string& p, const std::string& o, std::uint32_t q) {
  return domain::product_reservation_committed{domain::product_id{p}, domain::order_id{o}, q};
}

}  // namespace

TEST_CASE("utc_date") {
  CHECK(projections::utc_date(0) == "1970-01-01");
  CHECK(projections::utc_date(day0_ns) == "2026-03-01");
  CHECK(projections::utc_date(day0_ns - 1) == "2026-02-28");
  CHECK(projections::utc_date(day0_ns + day_ns - 1) == "2026-03-01");
  CHECK(projections::utc_date(day0_ns - 366 * day_ns) == "2025-02-28");
  CHECK(projections::utc_date(-1) == "1969-12-31");
  CHECK(projections::utc_date(951'782'400'000'000'000) == "2000-02-29");
}

TEST_CASE("orders and revenue per day: revenue is captured minus refunded, on the day money moved") {
  temp_dir dir;
  clocked_store cs(dir.path());
  const domain::order_id o1{"o1"}, o2{"o2"};
  const domain::payment_id pay1{"pay1"};
  cs.at(day0_ns + 10, "order/o1", {placed("o1", "u1", {line("p1", 1, 1000)}), domain::order_confirmed{o1}});
  cs.at(day0_ns + 20, "order/o2",
        {placed("o2", "u2", {line("p1", 2, 1000)}),
         domain::order_cancelled{o2, domain::cancel_reason::payment_failed, "", {}}});
  cs.at(day0_ns + 30, "payment/pay1",
        {payment_requested("pay1", "o1", "u1", 1000), domain::payment_authorized{pay1, o1, eur(1000), "x"},
         domain::payment_captured{pay1, o1, eur(1000), "x"}});
  // Day 1: one order, a refund of day 0's capture.
  cs.at(day0_ns + day_ns + 5, "order/o3", {placed("o3", "u1", {line("p2", 1, 700)})});
  cs.at(day0_ns + day_ns + 6, "payment/pay1",
        {domain::payment_refunded{pay1, o1, eur(300), domain::refund_id{"r1"}, "x-r", "broken"}});
  // Day 3 (nothing on day 2): a capture in another currency.
  auto usd = domain::make_money(5000, "USD");
  REQUIRE(usd.has_value());
  cs.at(day0_ns + 3 * day_ns, "payment/pay9",
        {domain::payment_authorization_requested{domain::payment_id{"pay9"}, domain::order_id{"o9"},
                                                 domain::user_id{"u9"}, *usd, "simulated", "visa", "…"},
         domain::payment_captured{domain::payment_id{"pay9"}, domain::order_id{"o9"}, *usd, "z"}});
  cs.at(day0_ns + 3 * day_ns + 1, "payment/pay8",
        {payment_requested("pay8", "o8", "u8", 200),
         domain::payment_captured{domain::payment_id{"pay8"}, domain::order_id{"o8"}, eur(200), "w"}});
  auto runner = fold_all<admin_projection>(*cs.store);

  auto all = days(*cs.store, "2026-01-01", "2026-12-31");
  REQUIRE(all.size() == 3);
  CHECK(all[0] == day_figures{"2026-03-01", 2, 1, 1, {currency_figures{"EUR", 1000, 0}}});
  CHECK(all[1] == day_figures{"2026-03-02", 1, 0, 0, {currency_figures{"EUR", 0, 300}}});
  CHECK(all[1].money[0].revenue_minor() == -300);
  CHECK(all[2] ==
        day_figures{
            "2026-03-04", 0, 0, 0, {currency_figures{"EUR", 200, 0}, currency_figures{"USD", 5000, 0}}});

  // Inclusive bounds; days without figures are absent.
  auto one = days(*cs.store, "2026-03-02", "2026-03-02");
  REQUIRE(one.size() == 1);
  CHECK(one[0].date == "2026-03-02");
  CHECK(days(*cs.store, "2026-03-03", "2026-03-03").empty());
  CHECK(days(*cs.store, "2026-03-02", "2026-03-04").size() == 2);

  for (auto [from, to] : {std::pair{"2026-3-1", "2026-03-02"}, std::pair{"2026-03-01", "tomorrow"},
                          std::pair{"2026-03-02", "2026-03-01"}, std::pair{"", ""}}) {
    auto r = query(*cs.store).days(from, to);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == es::store_errc::invalid_argument);
  }
}

TEST_CASE("top products by units sold (committed reservations)") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "product/p1", {created("p1", "Pen", 100), reserve("p1", "o1", 5), commit("p1", "o1", 5)});
  cs.at(day0_ns, "product/p2", {created("p2", "Ink", 100), reserve("p2", "o1", 9), commit("p2", "o1", 9)});
  cs.at(day0_ns, "product/p3", {created("p3", "Pad", 100), reserve("p3", "o1", 5), commit("p3", "o1", 5)});
  cs.at(day0_ns, "product/p4", {created("p4", "Nib", 100), reserve("p4", "o1", 50)});  // reserved, not sold
  auto runner = fold_all<admin_projection>(*cs.store);

  auto t = top(*cs.store, 10);
  CHECK(ids_of(t) == ids{"p2", "p1", "p3"});  // p1 and p3 tie: by id
  CHECK(t[0].sold == 9);
  CHECK(t[0].name == "Ink");
  CHECK(ids_of(top(*cs.store, 2)) == ids{"p2", "p1"});

  // More sales move p3 up; its old entry is gone.
  caught_up(*runner, cs.at(day0_ns, "product/p3", {reserve("p3", "o2", 10), commit("p3", "o2", 10)}));
  t = top(*cs.store, 10);
  CHECK(ids_of(t) == ids{"p3", "p2", "p1"});
  CHECK(t[0].sold == 15);

  CHECK_FALSE(query(*cs.store).top_products(0).has_value());
  CHECK_FALSE(query(*cs.store).top_products(projections::max_page_size + 1).has_value());
}

TEST_CASE(
    "low stock: active products at or under a threshold, fewest first, through reserve/release/restock") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "product/p1", {created("p1", "Pen", 3)});
  cs.at(day0_ns, "product/p2", {created("p2", "Ink", 20)});
  cs.at(day0_ns, "product/p3",
        {created("p3", "Pad", 1), domain::product_deactivated{domain::product_id{"p3"}}});
  cs.at(day0_ns, "product/p4", {created("p4", "Nib", 5)});
  auto runner = fold_all<admin_projection>(*cs.store);

  auto l = low(*cs.store, 5);
  CHECK(ids_of(l) == ids{"p1", "p4"});  // p3 is inactive
  CHECK(l[0].available == 3);
  CHECK(ids_of(low(*cs.store, 5, 1)) == ids{"p1"});
  CHECK(low(*cs.store, 2).empty());

  // Reserving p2 down to 2 puts it first; releasing some lifts it again.
  caught_up(*runner, cs.at(day0_ns, "product/p2", {reserve("p2", "o1", 18)}));
  l = low(*cs.store, 5);
  CHECK(ids_of(l) == ids{"p2", "p1", "p4"});
  CHECK(l[0].available == 2);
  CHECK(l[0].reserved == 18);
  caught_up(*runner,
            cs.at(day0_ns, "product/p2",
                  {domain::product_reservation_released{domain::product_id{"p2"}, domain::order_id{"o1"}, 14,
                                                        domain::cancel_reason::unspecified, "", 0}}));
  CHECK(ids_of(low(*cs.store, 5)) == ids{"p1", "p4"});
  caught_up(*runner, cs.at(day0_ns, "product/p1", {restocked("p1", 10)}));
  CHECK(ids_of(low(*cs.store, 5)) == ids{"p4"});
  caught_up(*runner, cs.at(day0_ns, "product/p3", {domain::product_reactivated{domain::product_id{"p3"}}}));
  CHECK(ids_of(low(*cs.store, 5)) == ids{"p3", "p4"});
  caught_up(*runner, cs.at(day0_ns, "product/p4", {domain::product_deactivated{domain::product_id{"p4"}}}));
  CHECK(ids_of(low(*cs.store, 5)) == ids{"p3"});
  CHECK(ids_of(low(*cs.store, 1000)) == ids{"p3", "p1", "p2"});  // everything active, fewest first
}
