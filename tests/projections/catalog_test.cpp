// The catalog read model: every product event folds in, queries by id and by page.
#include <mercato/projections/catalog.hpp>
#include <mercato/projections/runner.hpp>

#include "read_model_fixture.hpp"

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
         {domain::product_stock_reserved{id, o1, 4, 11}, domain::product_stock_reserved{id, o2, 3, 8}});
  append(*s, "product/prod-001",
         {domain::product_reservation_released{id, o1, 4, domain::cancel_reason::payment_failed, "", 12}});
  auto last = append(*s, "product/prod-001", {domain::product_reservation_committed{id, o2, 3}});
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

  // Restart: what was applied is not applied again. One new event on the same stream (so the
  // same shard, read in order) is the fence: once it is applied, the runner has read past
  // everything before it, and it is the only event applied.
  {
    auto runner = start_catalog(*s);
    last = append(*s, "product/prod-001", {restocked("prod-001", 1)});
    REQUIRE(runner->wait_until(last, 60s));
    CHECK(runner->stats().events_applied == 1);
    CHECK(runner->total_lag() == 0);
  }
  CHECK(available() == 26);

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
  CHECK(available() == 36);
  auto p = catalog_query(*s, projections::default_prefix<catalog_projection>()).get("prod-001");
  CHECK((*p)->version == 7);
}

// ---- search: filters, sorts, paging --------------------------------------------------

namespace {

using projections::catalog_filter;
using projections::catalog_sort;
using projections::sort_direction;

domain::product_created product(const std::string& id, const std::string& name,
                                const std::string& description, const std::string& category,
                                std::int64_t cents, std::uint32_t stock = 10) {
  return domain::product_created{
      domain::product_id{id}, "SKU-" + id, name, description, category, eur(cents), {}, stock};
}

/// a1..a5 created one second apart; a5 deactivated.
void seed_catalog(clocked_store& cs) {
  cs.at(day0_ns + 1'000'000'000, "product/a1", {product("a1", "Dune", "Desert planet saga", "Books", 1999)});
  cs.at(day0_ns + 2'000'000'000, "product/a2",
        {product("a2", "Emma", "A novel by Jane Austen", "books", 999)});
  cs.at(day0_ns + 3'000'000'000, "product/a3",
        {product("a3", "Espresso Machine", "Makes coffee", "Kitchen", 24999)});
  cs.at(day0_ns + 4'000'000'000, "product/a4",
        {product("a4", "ant farm", "Watch ANTS dig dune-like tunnels", "Toys", 2999)});
  cs.at(day0_ns + 5'000'000'000, "product/a5",
        {product("a5", "Zebra toy", "plush", "toys", 999),
         domain::product_deactivated{domain::product_id{"a5"}}});
}

struct searcher {
  const es::event_store& store;
  projections::page<projections::catalog_product> operator()(catalog_filter f) const {
    auto r = catalog_query(store, projections::default_prefix<catalog_projection>()).search(f);
    REQUIRE(r.has_value());
    return std::move(*r);
  }
  std::vector<std::string> ids(catalog_filter f) const { return ids_of((*this)(std::move(f)).items); }
};

catalog_filter sorted(catalog_sort s, sort_direction d = sort_direction::asc) {
  catalog_filter f;
  f.sort = s;
  f.direction = d;
  return f;
}

using ids = std::vector<std::string>;

}  // namespace

TEST_CASE("search sorts active products by name, price or newest, both ways") {
  temp_dir dir;
  clocked_store cs(dir.path());
  seed_catalog(cs);
  auto runner = fold_all<catalog_projection>(*cs.store);
  searcher search{*cs.store};

  auto all = search({});
  CHECK(all.total == 4);                                    // a5 is inactive
  CHECK(ids_of(all.items) == ids{"a4", "a1", "a2", "a3"});  // "ant farm" < "dune" < "emma" < "espresso…"
  CHECK(search.ids(sorted(catalog_sort::name, sort_direction::desc)) == ids{"a3", "a2", "a1", "a4"});
  CHECK(search.ids(sorted(catalog_sort::price)) == ids{"a2", "a1", "a4", "a3"});
  CHECK(search.ids(sorted(catalog_sort::price, sort_direction::desc)) == ids{"a3", "a4", "a1", "a2"});
  CHECK(search.ids(sorted(catalog_sort::newest)) == ids{"a1", "a2", "a3", "a4"});
  CHECK(search.ids(sorted(catalog_sort::newest, sort_direction::desc)) == ids{"a4", "a3", "a2", "a1"});

  // The scan path (include_inactive) sorts the same way, with a5 in its place.
  auto f = sorted(catalog_sort::price);
  f.include_inactive = true;
  CHECK(search.ids(f) == ids{"a2", "a5", "a1", "a4", "a3"});  // a2 and a5 tie at 999: by id
  f.sort = catalog_sort::newest;
  f.direction = sort_direction::desc;
  CHECK(search.ids(f) == ids{"a5", "a4", "a3", "a2", "a1"});
  CHECK(search(f).total == 5);
}

TEST_CASE("search filters by text, category and price range") {
  temp_dir dir;
  clocked_store cs(dir.path());
  seed_catalog(cs);
  auto runner = fold_all<catalog_projection>(*cs.store);
  searcher search{*cs.store};

  catalog_filter f;
  f.category = "BOOKS";  // case-insensitive, exact
  CHECK(search.ids(f) == ids{"a1", "a2"});
  CHECK(search(f).total == 2);
  f.category = "book";
  CHECK(search(f).total == 0);
  f.category = "toys";
  CHECK(search.ids(f) == ids{"a4"});  // a5 is inactive
  f.include_inactive = true;
  CHECK(search.ids(f) == ids{"a4", "a5"});

  f = {};
  f.min_price_minor = 1000;
  f.max_price_minor = 3000;
  CHECK(search.ids(f) == ids{"a4", "a1"});
  f.sort = catalog_sort::price;  // the price index seeks to the range
  CHECK(search.ids(f) == ids{"a1", "a4"});
  f.min_price_minor = 999;
  f.max_price_minor = 999;  // inclusive bounds
  CHECK(search.ids(f) == ids{"a2"});
  f.min_price_minor.reset();
  f.max_price_minor = 1999;
  CHECK(search.ids(f) == ids{"a2", "a1"});
  f.max_price_minor.reset();
  f.min_price_minor = 25000;
  CHECK(search(f).total == 0);
  f.category = "kitchen";
  f.min_price_minor = 24999;
  CHECK(search.ids(f) == ids{"a3"});

  f = {};
  f.text = "DUNE";  // name of a1, description of a4; case-insensitive
  CHECK(search.ids(f) == ids{"a4", "a1"});
  f.text = "ants";
  CHECK(search.ids(f) == ids{"a4"});
  f.text = "jane aus";
  CHECK(search.ids(f) == ids{"a2"});
  f.text = "dune";
  f.category = "Toys";
  CHECK(search.ids(f) == ids{"a4"});
  f.category.clear();
  f.max_price_minor = 2000;
  CHECK(search.ids(f) == ids{"a1"});
  f = {};
  f.text = "plush";  // only the inactive a5
  CHECK(search(f).total == 0);
  f.include_inactive = true;
  CHECK(search.ids(f) == ids{"a5"});
  f.text = "no such words";
  CHECK(search(f).total == 0);
}

TEST_CASE("search pages: first, last, past the end, and page size bounds") {
  temp_dir dir;
  clocked_store cs(dir.path());
  seed_catalog(cs);
  auto runner = fold_all<catalog_projection>(*cs.store);
  searcher search{*cs.store};
  for (bool scan_path : {false, true}) {
    CAPTURE(scan_path);
    catalog_filter f;
    if (scan_path) f.text = "e";  // every active product has an 'e' in name or description
    f.page = {0, 2};
    auto p0 = search(f);
    CHECK(ids_of(p0.items) == ids{"a4", "a1"});
    CHECK(p0.total == 4);
    CHECK(p0.page == 0);
    CHECK(p0.size == 2);
    f.page = {1, 2};
    CHECK(search.ids(f) == ids{"a2", "a3"});
    f.page = {1, 3};
    CHECK(search.ids(f) == ids{"a3"});
    f.page = {2, 2};
    auto past = search(f);
    CHECK(past.items.empty());
    CHECK(past.total == 4);
    f.page = {4'000'000'000u, 100};
    CHECK(search(f).items.empty());
    f.page = {0, 100};
    CHECK(search(f).items.size() == 4);
    f.direction = sort_direction::desc;
    f.page = {1, 3};
    CHECK(search.ids(f) == ids{"a4"});
  }
  catalog_query q(*cs.store, projections::default_prefix<catalog_projection>());
  catalog_filter bad;
  bad.page = {0, 0};
  auto r = q.search(bad);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == es::store_errc::invalid_argument);
  bad.page = {0, projections::max_page_size + 1};
  CHECK_FALSE(q.search(bad).has_value());
  bad.page = {};
  bad.min_price_minor = 10;
  bad.max_price_minor = 9;
  CHECK_FALSE(q.search(bad).has_value());
}

TEST_CASE("renames, price and category changes, deactivation and reactivation move the indexes") {
  temp_dir dir;
  clocked_store cs(dir.path());
  seed_catalog(cs);
  const auto t = day0_ns + 10'000'000'000;
  cs.at(t, "product/a3",
        {domain::product_updated{domain::product_id{"a3"}, "Aardvark espresso", std::nullopt, std::nullopt,
                                 std::nullopt, std::nullopt}});
  cs.at(t, "product/a1",
        {domain::product_updated{domain::product_id{"a1"}, std::nullopt, std::nullopt, std::nullopt, eur(500),
                                 std::nullopt}});
  cs.at(t, "product/a2",
        {domain::product_updated{domain::product_id{"a2"}, std::nullopt, std::nullopt, "Classics",
                                 std::nullopt, std::nullopt}});
  cs.at(t, "product/a5", {domain::product_reactivated{domain::product_id{"a5"}}});
  cs.at(t, "product/a4", {domain::product_deactivated{domain::product_id{"a4"}}});
  auto runner = fold_all<catalog_projection>(*cs.store);
  searcher search{*cs.store};

  auto all = search({});
  CHECK(ids_of(all.items) == ids{"a3", "a1", "a2", "a5"});
  CHECK(all.total == 4);  // no stale index entry survives
  CHECK(search.ids(sorted(catalog_sort::price)) == ids{"a1", "a2", "a5", "a3"});
  CHECK(search.ids(sorted(catalog_sort::newest)) == ids{"a1", "a2", "a3", "a5"});  // creation time is kept
  catalog_filter f;
  f.category = "books";
  CHECK(search.ids(f) == ids{"a1"});
  f.category = "classics";
  CHECK(search.ids(f) == ids{"a2"});
  f.category = "toys";
  CHECK(search.ids(f) == ids{"a5"});
  f = {};
  f.min_price_minor = 1999;
  f.max_price_minor = 1999;
  CHECK(search(f).total == 0);  // a1's old price no longer matches
  f.max_price_minor = 500;
  f.min_price_minor = 500;
  CHECK(search.ids(f) == ids{"a1"});
}

TEST_CASE("available stock in search results is stock minus open reservations") {
  temp_dir dir;
  clocked_store cs(dir.path());
  const domain::product_id id{"p"};
  const domain::order_id o1{"o1"}, o2{"o2"};
  cs.at(day0_ns, "product/p", {product("p", "Pen", "blue", "office", 150, 10)});
  cs.at(day0_ns, "product/p", {domain::product_stock_reserved{id, o1, 3, 7}});
  cs.at(day0_ns, "product/p", {domain::product_stock_reserved{id, o2, 2, 5}});
  auto runner = fold_all<catalog_projection>(*cs.store);
  searcher search{*cs.store};
  auto check = [&](std::uint32_t available, std::uint32_t reserved, std::uint32_t sold) {
    auto r = search({});
    REQUIRE(r.items.size() == 1);
    CHECK(r.items[0].available == available);
    CHECK(r.items[0].reserved == reserved);
    CHECK(r.items[0].sold == sold);
    CHECK(r.items[0].on_hand() == available + reserved);
  };
  check(5, 5, 0);
  caught_up(
      *runner,
      cs.at(day0_ns, "product/p",
            {domain::product_reservation_released{id, o1, 3, domain::cancel_reason::payment_failed, "", 8}}));
  check(8, 2, 0);
  caught_up(*runner, cs.at(day0_ns, "product/p", {domain::product_reservation_committed{id, o2, 2}}));
  check(8, 0, 2);
  caught_up(*runner, cs.at(day0_ns, "product/p", {restocked("p", 4)}));
  check(12, 0, 2);
}
