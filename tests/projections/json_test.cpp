// The API's JSON of products and carts, written as text directly: valid JSON whatever the
// strings hold, every field of the view, times in milliseconds or null.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <mercato/projections/json.hpp>

using namespace mercato::projections;

TEST_CASE("a product renders as JSON with every field, strings escaped") {
  catalog_product p;
  p.id = "prod-1";
  p.sku = "SKU \"1\"";
  p.name = "Caf\xc3\xa9 \\ tab\there";
  p.description = "line\nbreak \x01 control";
  p.category = "kitchen";
  p.price_minor = -5;  // never stored, but the writer must not care
  p.currency = "EUR";
  p.images = {"https://example.com/a.jpg", "b\"c"};
  p.active = true;
  p.available = 4294967295U;
  p.created_ns = 1'796'694'192'885'521'741;
  p.updated_ns = 0;
  const auto text = product_json(p);
  const auto j = nlohmann::json::parse(text);  // throws on invalid JSON
  CHECK(j.size() == 12);
  CHECK(j["id"] == "prod-1");
  CHECK(j["sku"] == "SKU \"1\"");
  CHECK(j["name"] == "Caf\xc3\xa9 \\ tab\there");
  CHECK(j["description"] == "line\nbreak \x01 control");
  CHECK(j["category"] == "kitchen");
  CHECK(j["price"] == -5);
  CHECK(j["currency"] == "EUR");
  CHECK(j["images"] == nlohmann::json::array({"https://example.com/a.jpg", "b\"c"}));
  CHECK(j["active"] == true);
  CHECK(j["stock"] == 4294967295U);
  CHECK(j["createdAt"] == "2026-12-08T01:43:12.885Z");
  CHECK(j["updatedAt"].is_null());
  // Keys in sorted order, as JSON values print them: the text equals its own re-dump.
  CHECK(j.dump() == text);
}

TEST_CASE("a cart renders its lines, totals and last order") {
  cart_view c;
  c.id = "cart-u1";
  c.user_id = "u1";
  c.currency = "EUR";
  c.lines = {{"p1", "One", 250, 2, 500}, {"p2", "Two \"quoted\"", 100, 1, 100}};
  c.item_count = 3;
  c.total_minor = 600;
  c.updated_ns = 1'000'000'000;
  const auto j = nlohmann::json::parse(cart_json(c));
  CHECK(j.size() == 8);
  CHECK(j["id"] == "cart-u1");
  CHECK(j["userId"] == "u1");
  CHECK(j["items"].size() == 2);
  CHECK(j["items"][1] == nlohmann::json{{"productId", "p2"},
                                        {"name", "Two \"quoted\""},
                                        {"unitPrice", 100},
                                        {"quantity", 1},
                                        {"lineTotal", 100}});
  CHECK(j["itemCount"] == 3);
  CHECK(j["total"] == 600);
  CHECK(j["lastOrderId"].is_null());
  CHECK(j["updatedAt"] == "1970-01-01T00:00:01.000Z");
  CHECK(j.dump() == cart_json(c));

  cart_view empty;
  empty.last_order_id = "ord-1";
  const auto e = nlohmann::json::parse(cart_json(empty));
  CHECK(e["items"].empty());
  CHECK(e["lastOrderId"] == "ord-1");
  CHECK(e["updatedAt"].is_null());
}
