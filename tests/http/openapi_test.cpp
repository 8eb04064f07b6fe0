#include <doctest/doctest.h>

#include <mercato/http/openapi.hpp>

#include <algorithm>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace h = mercato::http;
using nlohmann::json;

namespace {

bool documented(const std::vector<h::route_key>& routes, std::string method, std::string path) {
  return std::find(routes.begin(), routes.end(), h::route_key{std::move(method), std::move(path)}) !=
         routes.end();
}

}  // namespace

TEST_CASE("the embedded document is the OpenAPI 3 JSON of the repository") {
  const auto doc = json::parse(h::openapi_document(), nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(doc["openapi"].get<std::string>().starts_with("3."));
  CHECK(doc["info"]["title"].is_string());
  CHECK(doc["paths"].is_object());
}

TEST_CASE("every route of the SPEC's HTTP section is documented") {
  const auto routes = h::openapi_routes();
  CHECK(std::is_sorted(routes.begin(), routes.end()));
  const std::pair<const char*, const char*> spec[] = {
      {"POST", "/api/v1/auth/register"},
      {"POST", "/api/v1/auth/login"},
      {"GET", "/api/v1/products"},
      {"GET", "/api/v1/products/{id}"},
      {"POST", "/api/v1/products"},
      {"PUT", "/api/v1/products/{id}"},
      {"POST", "/api/v1/products/{id}/deactivate"},
      {"POST", "/api/v1/products/{id}/restock"},
      {"GET", "/api/v1/cart"},
      {"DELETE", "/api/v1/cart"},
      {"POST", "/api/v1/cart/items"},
      {"PUT", "/api/v1/cart/items/{productId}"},
      {"DELETE", "/api/v1/cart/items/{productId}"},
      {"POST", "/api/v1/cart/checkout"},
      {"GET", "/api/v1/orders"},
      {"GET", "/api/v1/orders/{id}"},
      {"POST", "/api/v1/orders/{id}/cancel"},
      {"POST", "/api/v1/orders/{id}/ship"},
      {"POST", "/api/v1/orders/{id}/deliver"},
      {"POST", "/api/v1/orders/{id}/refund"},
      {"GET", "/api/v1/payments/{id}"},
      {"POST", "/api/v1/payments/webhook"},
      {"GET", "/api/v1/notifications"},
      {"GET", "/health"},
      {"GET", "/health/ready"},
      {"GET", "/health/live"},
      {"GET", "/metrics"},
      {"GET", "/openapi.json"},
  };
  for (const auto& [method, path] : spec) {
    CAPTURE(method);
    CAPTURE(path);
    CHECK(documented(routes, method, path));
  }
  // Events: a stream's events, the log from a position, the live feed.
  const auto events = std::count_if(routes.begin(), routes.end(), [](const h::route_key& r) {
    return r.path.starts_with("/api/v1/events");
  });
  CHECK(events >= 3);
}

TEST_CASE("every operation has an operationId, responses and a problem answer for errors") {
  const auto doc = json::parse(h::openapi_document());
  std::set<std::string> ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      CAPTURE(path);
      CAPTURE(method);
      REQUIRE(op.contains("operationId"));
      CHECK(ids.insert(op["operationId"].get<std::string>()).second);
      REQUIRE(op.contains("responses"));
      CHECK(op["responses"].is_object());
    }
  }
}

TEST_CASE("Pistache paths convert to OpenAPI templates") {
  CHECK(h::to_openapi_path("/api/v1/products/:id") == "/api/v1/products/{id}");
  CHECK(h::to_openapi_path("/api/v1/cart/items/:productId") == "/api/v1/cart/items/{productId}");
  CHECK(h::to_openapi_path("/api/v1/events/streams/:stream/x") == "/api/v1/events/streams/{stream}/x");
  CHECK(h::to_openapi_path("/health") == "/health");
  CHECK(h::to_openapi_path("/a:b") == "/a:b");
}
