// The stream catalog for tools: streams by kind (paged), lengths, times, counts per kind
// and per event type; and the registry of every read model.
#include <set>

#include <mercato/projections/registry.hpp>
#include <mercato/projections/streams.hpp>

#include "read_model_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using projections::event_type_count;
using projections::kind_count;
using projections::page_request;
using projections::streams_projection;
using projections::streams_query;

namespace {

streams_query query(const es::event_store& s) {
  return streams_query(s, projections::default_prefix<streams_projection>());
}

std::vector<std::string> names(const es::event_store& s, std::string_view kind, page_request p = {}) {
  auto r = query(s).streams(kind, p);
  REQUIRE(r.has_value());
  std::vector<std::string> out;
  for (const auto& i : r->items) out.push_back(i.stream);
  return out;
}

std::uint64_t total(const es::event_store& s, std::string_view kind) {
  auto r = query(s).streams(kind, {});
  REQUIRE(r.has_value());
  return r->total;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("streams: lengths, first and last times, last type; counts per kind and type") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns + 1, "product/p1", {created("p1", "Pen", 3)});
  cs.at(day0_ns + 2, "product/p2", {created("p2", "Ink", 3)});
  cs.at(day0_ns + 3, "product/p1", {restocked("p1", 1), restocked("p1", 2)});
  cs.at(day0_ns + 4, "order/o1",
        {placed("o1", "u1", {line("p1", 1, 100)}), domain::order_confirmed{domain::order_id{"o1"}}});
  auto runner = fold_all<streams_projection>(*cs.store);

  auto p1 = query(*cs.store).stream("product/p1");
  REQUIRE(p1.has_value());
  REQUIRE(p1->has_value());
  CHECK(**p1 ==
        projections::stream_info{"product/p1", "product", 3, day0_ns + 1, day0_ns + 3, "ProductRestocked"});
  auto o1 = query(*cs.store).stream("order/o1");
  REQUIRE(o1->has_value());
  CHECK((*o1)->length == 2);
  CHECK((*o1)->first_ns == day0_ns + 4);
  CHECK((*o1)->last_type == "OrderConfirmed");
  auto none = query(*cs.store).stream("order/o404");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());

  auto kinds = query(*cs.store).kinds();
  REQUIRE(kinds.has_value());
  CHECK(*kinds == std::vector<kind_count>{{"order", 1, 2}, {"product", 2, 4}});
  auto types = query(*cs.store).event_types();
  REQUIRE(types.has_value());
  CHECK(*types ==
        std::vector<event_type_count>{
            {"OrderConfirmed", 1}, {"OrderPlaced", 1}, {"ProductCreated", 2}, {"ProductRestocked", 2}});

  // Following the live log.
  caught_up(*runner, cs.at(day0_ns + 9, "product/p2", {restocked("p2", 1)}));
  auto p2 = query(*cs.store).stream("product/p2");
  CHECK((*p2)->length == 2);
  CHECK((*p2)->first_ns == day0_ns + 2);
  CHECK((*p2)->last_ns == day0_ns + 9);
  CHECK(query(*cs.store).kinds()->at(1) == kind_count{"product", 2, 5});
}

TEST_CASE("streams of one kind, paged by stream id; totals from the counters") {
  temp_dir dir;
  clocked_store cs(dir.path());
  for (const char* id : {"c", "a", "e", "b", "d"})
    cs.at(day0_ns, std::string("cart/cart-") + id,
          {domain::cart_cleared{domain::cart_id{std::string("cart-") + id}}});
  cs.at(day0_ns, "carts/x", {domain::cart_cleared{domain::cart_id{"x"}}});  // kind "carts", not "cart"
  cs.at(day0_ns, "order/o1", {placed("o1", "u1", {line("p1", 1, 100)})});
  auto runner = fold_all<streams_projection>(*cs.store);

  CHECK(names(*cs.store, "cart") ==
        strings{"cart/cart-a", "cart/cart-b", "cart/cart-c", "cart/cart-d", "cart/cart-e"});
  CHECK(names(*cs.store, "cart/") == names(*cs.store, "cart"));
  CHECK(total(*cs.store, "cart") == 5);
  CHECK(names(*cs.store, "cart", {0, 2}) == strings{"cart/cart-a", "cart/cart-b"});
  CHECK(names(*cs.store, "cart", {2, 2}) == strings{"cart/cart-e"});
  CHECK(names(*cs.store, "cart", {3, 2}).empty());
  CHECK(names(*cs.store, "carts") == strings{"carts/x"});
  CHECK(names(*cs.store, "order") == strings{"order/o1"});
  CHECK(names(*cs.store, "user").empty());
  CHECK(total(*cs.store, "user") == 0);
  CHECK(total(*cs.store, "") == 7);
  CHECK(names(*cs.store, "", {1, 4}) == strings{"cart/cart-e", "carts/x", "order/o1"});

  auto bad = query(*cs.store).streams("cart/x", {});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == es::store_errc::invalid_argument);
  CHECK_FALSE(query(*cs.store).streams("cart", {0, 0}).has_value());
  CHECK_FALSE(query(*cs.store).streams("cart", {0, projections::max_page_size + 1}).has_value());
}

TEST_CASE("read_models lists every query read model once, in a fixed order") {
  auto models = projections::read_models();
  std::vector<std::string> got;
  for (const auto& m : models) got.emplace_back(m->name());
  CHECK(got == strings{"catalog", "carts", "orders", "notifications", "admin", "streams"});
  CHECK(std::set<std::string>(got.begin(), got.end()).size() == got.size());
  // Fresh instances each time (one runner per instance).
  CHECK(projections::read_models().front() != models.front());
}
