// One JSON renderer per resource: what a command answers is what the resource's GET shows.
// For cart, order, product and payment, every command's answer has exactly the keys of the
// corresponding GET (and, read with the answer's consistency token, the same values).
#include <set>

#include <doctest/doctest.h>

#include "api_support.hpp"

using namespace mercato::test;

namespace {

/// Every key path of `j` ("items[].productId"): objects by key, arrays through their first
/// element, so two renderings of one resource compare by shape.
std::set<std::string> shape(const nlohmann::json& j, const std::string& at = "") {
  std::set<std::string> out;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const auto path = at.empty() ? it.key() : at + "." + it.key();
      out.insert(path);
      for (auto& p : shape(it.value(), path)) out.insert(p);
    }
  } else if (j.is_array() && !j.empty()) {
    for (auto& p : shape(j.front(), at + "[]")) out.insert(p);
  }
  return out;
}

}  // namespace

TEST_CASE("command answers and GETs render cart, product, order and payment alike") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  api_client api(node.port);
  const auto admin = mint_token("admin-shapes", "admin");
  const auto shopper = api.register_user("shapes@example.com");

  SUBCASE("product") {
    auto created = api.post("/api/v1/products",
                            {{"id", "prod-shape"},
                             {"name", "Shape"},
                             {"price", 1500},
                             {"currency", "EUR"},
                             {"images", {"https://img.example/s.png"}},
                             {"stock", 4}},
                            admin);
    REQUIRE(created.status() == 201);
    auto got = api.get("/api/v1/products/prod-shape" + consistent_with(created));
    REQUIRE(got.status() == 200);
    CHECK(shape(created.data()) == shape(got.data()));
    CHECK(created.data() == got.data());
    auto updated = api.put("/api/v1/products/prod-shape", {{"name", "Shape II"}}, admin);
    REQUIRE(updated.status() == 200);
    CHECK(updated.data()["name"] == "Shape II");
    auto restocked = api.post("/api/v1/products/prod-shape/restock", {{"quantity", 3}}, admin);
    REQUIRE(restocked.status() == 200);
    CHECK(restocked.data()["stock"] == 7);
    got = api.get("/api/v1/products/prod-shape" + consistent_with(restocked));
    CHECK(restocked.data() == got.data());
    CHECK(shape(updated.data()) == shape(got.data()));
  }

  SUBCASE("cart, order and payment") {
    auto added = api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 2}}, shopper);
    REQUIRE(added.status() == 201);
    auto cart = api.get("/api/v1/cart" + consistent_with(added), shopper);
    REQUIRE(cart.status() == 200);
    CHECK(shape(added.data()) == shape(cart.data()));
    CHECK(added.data() == cart.data());  // updatedAt included
    auto changed = api.put("/api/v1/cart/items/prod-001", {{"quantity", 3}}, shopper);
    REQUIRE(changed.status() == 200);
    cart = api.get("/api/v1/cart" + consistent_with(changed), shopper);
    CHECK(changed.data() == cart.data());

    auto order = api.post("/api/v1/cart/checkout", {{"paymentToken", "tok_visa"}}, shopper);
    REQUIRE(order.status() == 201);
    const auto id = order.data()["id"].get<std::string>();
    auto got = api.get("/api/v1/orders/" + id + consistent_with(order), shopper);
    REQUIRE(got.status() == 200);
    auto answered = order.data();
    CHECK(answered["checkout"]["outcome"] == "confirmed");
    answered.erase("checkout");  // the checkout's own outcome comes in addition
    CHECK(shape(answered) == shape(got.data()));
    CHECK(answered == got.data());
    REQUIRE(answered["payments"].size() == 1);
    CHECK(answered["timeline"].size() >= 4);

    const auto payment_id = answered["payments"][0]["id"].get<std::string>();
    auto payment = api.get("/api/v1/payments/" + payment_id, shopper);
    REQUIRE(payment.status() == 200);
    CHECK(shape(answered["payments"][0]) == shape(payment.data()));

    auto shipped =
        api.post("/api/v1/orders/" + id + "/ship", {{"trackingNumber", "T-1"}, {"carrier", "DHL"}}, admin);
    REQUIRE(shipped.status() == 200);
    got = api.get("/api/v1/orders/" + id + consistent_with(shipped), shopper);
    CHECK(shipped.data() == got.data());
    CHECK(shipped.data()["status"] == "shipped");
    CHECK(shipped.data()["shipping"]["tracking"] == "T-1");
  }
}
