// End to end: products created without an id get one derived from the Idempotency-Key, so
// a retried POST /api/v1/products finds the product the first attempt created instead of
// creating a second one; another key (or another admin, or no key) gives another product.
#include <doctest/doctest.h>

#include "api_support.hpp"

using namespace mercato::test;

namespace {

const nlohmann::json rooibos{{"name", "Rooibos"}, {"category", "ids-e2e"},
                             {"price", 450},      {"currency", "EUR"},
                             {"stock", 3},        {"description", "Loose leaf"}};

std::map<std::string, std::string> key(const std::string& k) {
  return {{"Idempotency-Key", k}};
}

/// The catalog's products in the test's category, once it has read `after`'s writes.
nlohmann::json listed(api_client& api, const api_result& after) {
  auto r = api.get("/api/v1/products?category=ids-e2e&consistentWith=" + after.header("x-consistency-token"));
  REQUIRE(r.status() == 200);
  return r.body;
}

}  // namespace

TEST_CASE("the same POST /api/v1/products with the same Idempotency-Key creates one product") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  api_client api(node.port);
  const auto admin = mint_token("admin-1", "admin");

  auto first = api.post("/api/v1/products", rooibos, admin, key("create-rooibos-1"));
  REQUIRE(first.status() == 201);
  const auto id = first.data()["id"].get<std::string>();
  CHECK(id.starts_with("prod-"));
  CHECK(first.header("location") == "/api/v1/products/" + id);
  const auto head = api.log_head();

  auto retry = api.post("/api/v1/products", rooibos, admin, key("create-rooibos-1"));
  REQUIRE(retry.status() == 201);
  CHECK(retry.data()["id"] == id);
  CHECK(retry.header("location") == "/api/v1/products/" + id);
  CHECK(api.log_head() == head);  // the retry appended nothing

  auto list = listed(api, retry);
  CHECK(list["meta"]["total"] == 1);
  REQUIRE(list["data"].size() == 1);
  CHECK(list["data"][0]["id"] == id);
  CHECK(list["data"][0]["stock"] == 3);
  auto shown = api.get("/api/v1/products/" + id + consistent_with(retry));
  REQUIRE(shown.status() == 200);
  CHECK(shown.data()["name"] == "Rooibos");

  // Another key is another product.
  auto other = api.post("/api/v1/products", rooibos, admin, key("create-rooibos-2"));
  REQUIRE(other.status() == 201);
  const auto other_id = other.data()["id"].get<std::string>();
  CHECK(other_id.starts_with("prod-"));
  CHECK(other_id != id);
  list = listed(api, other);
  CHECK(list["meta"]["total"] == 2);

  // Keys are the admin's own: another admin's request with the same key is its own product.
  auto theirs =
      api.post("/api/v1/products", rooibos, mint_token("admin-2", "admin"), key("create-rooibos-1"));
  REQUIRE(theirs.status() == 201);
  CHECK(theirs.data()["id"] != id);
  CHECK(theirs.data()["id"] != other_id);

  // Without a key every POST is a new product with a random id.
  auto a = api.post("/api/v1/products", rooibos, admin);
  auto b = api.post("/api/v1/products", rooibos, admin);
  REQUIRE(a.status() == 201);
  REQUIRE(b.status() == 201);
  CHECK(a.data()["id"].get<std::string>().starts_with("prod-"));
  CHECK(a.data()["id"] != b.data()["id"]);
  list = listed(api, b);
  CHECK(list["meta"]["total"] == 5);
}
