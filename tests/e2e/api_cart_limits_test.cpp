// End to end: the per-line quantity limit (actors.max_line_quantity) through the HTTP API:
// the shops' default of 99, a limit large enough for a long load test, and 0 (no limit of
// its own, but never past what a line holds). Every refusal is a 4xx problem and writes
// nothing.
#include <doctest/doctest.h>

#include "api_support.hpp"

using namespace mercato::test;

namespace {

void check_refused(api_client& api, const api_result& r, int status, const std::string& type_suffix,
                   std::uint64_t head) {
  CHECK(r.status() == status);
  CHECK(r.header("content-type") == "application/problem+json");
  REQUIRE(r.body.is_object());
  CHECK(r.body["type"].get<std::string>().ends_with(type_suffix));
  CHECK(api.log_head() == head);  // nothing written
}

nlohmann::json item(std::int64_t quantity) {
  return {{"productId", "prod-001"}, {"quantity", quantity}};
}

}  // namespace

TEST_CASE("the default limit: 1..99 units per line") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto token = api.register_user("ann@example.com");
  REQUIRE(api.post("/api/v1/cart/items", item(99), token).status() == 201);
  const auto head = api.log_head();
  check_refused(api, api.post("/api/v1/cart/items", item(1), token), 422, "/quantity-out-of-range", head);
  check_refused(api, api.put("/api/v1/cart/items/prod-001", {{"quantity", 100}}, token), 422,
                "/quantity-out-of-range", head);
}

TEST_CASE("a limit of 1000000: a 16-minute load test's units fit one line") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {},
                    api_env({{"MERCATO_ACTORS_MAX_LINE_QUANTITY", "1000000"}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto token = api.register_user("bea@example.com");
  // 200 users adding 1 unit every 4 s for 16 minutes put ~48000 units on the one line.
  REQUIRE(api.put("/api/v1/cart/items/prod-001", {{"quantity", 1}}, token).status() == 404);  // no line yet
  REQUIRE(api.post("/api/v1/cart/items", item(1), token).status() == 201);
  auto set = api.put("/api/v1/cart/items/prod-001", {{"quantity", 48000}}, token);
  REQUIRE(set.status() == 200);
  auto added = api.post("/api/v1/cart/items", item(1), token);
  REQUIRE(added.status() == 201);
  CHECK(added.data()["items"][0]["quantity"] == 48001);
  REQUIRE(api.put("/api/v1/cart/items/prod-001", {{"quantity", 1000000}}, token).status() == 200);
  const auto head = api.log_head();
  check_refused(api, api.post("/api/v1/cart/items", item(1), token), 422, "/quantity-out-of-range", head);
}

TEST_CASE("max_line_quantity 0: no limit of its own, never past 4294967295 units") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env({{"MERCATO_ACTORS_MAX_LINE_QUANTITY", "0"}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto token = api.register_user("cid@example.com");
  auto added = api.post("/api/v1/cart/items", item(5000000), token);
  REQUIRE(added.status() == 201);
  CHECK(added.data()["items"][0]["quantity"] == 5000000);
  REQUIRE(api.put("/api/v1/cart/items/prod-001", {{"quantity", 4294967295LL}}, token).status() == 200);
  const auto head = api.log_head();
  // One more unit would wrap the line's 32 bits: refused by the cart.
  check_refused(api, api.post("/api/v1/cart/items", item(1), token), 422, "/quantity-out-of-range", head);
  // A quantity no line can hold is refused by the request's schema.
  check_refused(api, api.post("/api/v1/cart/items", item(4294967296LL), token), 422, "/validation-failed",
                head);
  check_refused(api, api.put("/api/v1/cart/items/prod-001", {{"quantity", 0}}, token), 422,
                "/validation-failed", head);
}
