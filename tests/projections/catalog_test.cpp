// The catalog read model: every product event folds in, queries by id and by page.
#include <mercato/projections/catalog.hpp>
#include <mercato/projections/runner.hpp>

#include "projection_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;
using projections::catalog_projection;
using projections::catalog_query;
using projections::projection_runner;

namespace {

std::unique_ptr<projection_runner> start_catalog(es::event_store& s) {
  auto r = projection_runner::start(s, std::make_shared<catalog_projection>());
  REQUIRE(r.has_value());
  return std::move(*r);
}

}  // namespace

TEST_CASE("the catalog folds every product event") {
  temp_dir dir;
  auto s = open_store(dir.path());
  const domain::product_id id{"prod-001"};
  const domain::order_id o1{"order-1"}, o2{"order-2"};
  domain::product_updated upd{id, "Dune (paperback)", std::nullopt, "novels", eur(1299), std::nullopt};
  append(*s, "product/prod-001", {created("prod-001", "Dune", 10)});
  append(*s, "product/prod-001", {upd, domain::product_deactivated{id}, domain::product_reactivated{id}});
  append(*s, "product/prod-001", {restocked("prod-001", 5)});
  append(*s, "product/prod-001",
         {domain::product_stock_reserved{id, o1, domain::quantity{4}, 11},
          domain::product_stock_reserved{id, o2, domain::quantity{3}, 8}});
  append(*s, "product/prod-001",
         {domain::product_reservation_released{id, o1, domain::quantity{4}, domain::cancel_reason::payment_failed, "", 12}});
  auto last = append(*s, "product/prod-001", {domain::product_reservation_committed{id, o2, domain::quantity{3}}});
  // Not a product stream: ignored.
  append(*s, "cart/cart-u1", {domain::cart_cleared{domain::cart_id{"cart-u1"}}});

  auto runner = start_catalog(*s);
  REQUIRE(runner->wait_until(last, 10s));
  catalog_query q(*s, projections::default_prefix<catalog_projection>());
  auto p = q.get("prod-001");
  REQUIRE(p.has_value());
  REQUIRE(p->has_value());
  const auto& c = **p;
  CHECK(c.id == "prod-001");
  CHECK(c.sku == "SKU-prod-001");
  CHECK(c.name == "Dune (paperback)");
  CHECK(c.description == "Dune description");
  CHECK(c.category == "novels");
  CHECK(c.price_minor == 1299);
  CHECK(c.currency == "EUR");
  CHECK(c.active);
  CHECK(c.available == 12);  // 10 + 5 − 4 − 3 + 4
  CHECK(c.reserved == 0);
  CHECK(c.sold == 3);
  CHECK(c.version == 9);
  CHECK(c.created_ns > 0);
  CHECK(c.updated_ns >= c.created_ns);
  CHECK(runner->last_error() == std::nullopt);

  auto missing = q.get("prod-404");
  REQUIRE(missing.has_value());
  CHECK_FALSE(missing->has_value());

  // Deactivation shows.
  auto off = append(*s, "product/prod-001", {domain::product_deactivated{id}});
  REQUIRE(runner->wait_until(off, 10s));
  CHECK_FALSE((*q.get("prod-001"))->active);
}

TEST_CASE("list pages products sorted by id") {
  temp_dir dir;
  auto s = open_store(dir.path());
  std::vector<es::position> all;
  for (const char* pid : {"p-3", "p-1", "p-5", "p-2", "p-4"}) {
    auto pos = append(*s, std::string("product/") + pid, {created(pid, std::string("name ") + pid, 1)});
    all.insert(all.end(), pos.begin(), pos.end());
  }
  auto runner = start_catalog(*s);
  REQUIRE(runner->wait_until(all, 10s));
  catalog_query q(*s, projections::default_prefix<catalog_projection>());
  auto ids = [&](std::size_t offset, std::size_t limit) {
    auto page = q.list(offset, limit);
    REQUIRE(page.has_value());
    std::vector<std::string> out;
    for (const auto& p : *page) out.push_back(p.id);
    return out;
  };
  CHECK(ids(0, 100) == std::vector<std::string>{"p-1", "p-2", "p-3", "p-4", "p-5"});
  CHECK(ids(0, 2) == std::vector<std::string>{"p-1", "p-2"});
  CHECK(ids(2, 2) == std::vector<std::string>{"p-3", "p-4"});
  CHECK(ids(4, 2) == std::vector<std::string>{"p-5"});
  CHECK(ids(5, 2).empty());
  CHECK(ids(0, 0).empty());
}

TEST_CASE("a restarted runner applies nothing twice and catches up with what came meanwhile") {
  temp_dir dir;
  auto s = open_store(dir.path());
  append(*s, "product/prod-001", {created("prod-001", "Dune", 10)});
  std::vector<es::position> last;
  for (int i = 0; i < 3; ++i) last = append(*s, "product/prod-001", {restocked("prod-001", 5)});
  auto available = [&] {
    auto p = catalog_query(*s, projections::default_prefix<catalog_projection>()).get("prod-001");
    REQUIRE(p.has_value());
    REQUIRE(p->has_value());
    return (*p)->available;
  };

  {
    auto runner = start_catalog(*s);
    REQUIRE(runner->wait_until(last, 10s));
    CHECK(runner->stats().events_applied == 4);
  }
  CHECK(available() == 25);

  // Restart with nothing new: nothing is applied.
  {
    auto runner = start_catalog(*s);
    REQUIRE(runner->wait_until(last, 1s));
    std::this_thread::sleep_for(200ms);
    CHECK(runner->stats().events_applied == 0);
    CHECK(runner->total_lag() == 0);
  }
  CHECK(available() == 25);

  // Events appended while stopped, and the store reopened: checkpoints are durable.
  last = append(*s, "product/prod-001", {restocked("prod-001", 7)});
  last = append(*s, "product/prod-001", {restocked("prod-001", 3)});
  s.reset();
  s = open_store(dir.path());
  {
    auto runner = start_catalog(*s);
    REQUIRE(runner->wait_until(last, 10s));
    CHECK(runner->stats().events_applied == 2);
  }
  CHECK(available() == 35);
  auto p = catalog_query(*s, projections::default_prefix<catalog_projection>()).get("prod-001");
  CHECK((*p)->version == 6);
}
