// End to end: the shopper's journey against the real mercatod over HTTP — register, login,
// browse, add to cart (201), change quantity, checkout with tok_visa, order confirmed,
// notifications; tok_chargeDeclined cancels and releases the stock; admin fulfilment,
// catalog administration, idempotency keys, read-your-writes and the event routes.
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "api_support.hpp"

using namespace mercato::test;
using namespace std::chrono_literals;

namespace {

/// Available stock of a product as the catalog shows it after `after`'s writes.
std::int64_t stock_of(api_client& api, const std::string& product, const std::string& consistency = {}) {
  auto r = api.get("/api/v1/products/" + product + consistency);
  REQUIRE(r.status() == 200);
  return r.data()["stock"].get<std::int64_t>();
}

}  // namespace

TEST_CASE("the shopper's journey: register, browse, cart, checkout with tok_visa, notifications") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);

  auto reg =
      api.post("/api/v1/auth/register",
               {{"email", "Alice@Example.com"}, {"password", "Password123!"}, {"displayName", "Alice"}});
  REQUIRE(reg.status() == 201);
  CHECK(reg.data()["tokenType"] == "Bearer");
  CHECK(reg.data()["expiresIn"].get<int>() > 0);
  CHECK(api.post("/api/v1/auth/register", {{"email", "alice@example.com"}, {"password", "Password123!"}})
            .status() == 409);  // e-mail unique, case-insensitively

  auto login = api.post("/api/v1/auth/login", {{"email", "alice@example.com"}, {"password", "Password123!"}});
  REQUIRE(login.status() == 200);
  const auto token = login.data()["accessToken"].get<std::string>();
  CHECK(login.data()["tokenType"] == "Bearer");
  CHECK(
      api.post("/api/v1/auth/login", {{"email", "alice@example.com"}, {"password", "Wrong123!"}}).status() ==
      401);

  // Browse: paging, search, sort, price range.
  auto page = api.get("/api/v1/products?pageSize=5&page=1&sort=price");
  REQUIRE(page.status() == 200);
  CHECK(page.data().size() == 5);
  CHECK(page.body["meta"]["total"].get<int>() >= 10);
  for (std::size_t i = 1; i < page.data().size(); ++i)
    CHECK(page.data()[i - 1]["price"].get<std::int64_t>() <= page.data()[i]["price"].get<std::int64_t>());
  auto cheap = api.get("/api/v1/products?maxPrice=3000");
  REQUIRE(cheap.status() == 200);
  for (auto& p : cheap.data()) CHECK(p["price"].get<std::int64_t>() <= 3000);
  auto search = api.get("/api/v1/products?q=espresso");
  REQUIRE(search.status() == 200);
  REQUIRE(search.data().size() >= 1);
  CHECK(search.data()[0]["id"] == "prod-001");
  CHECK(api.get("/api/v1/products/prod-999").status() == 404);

  const auto stock_before = stock_of(api, "prod-001");

  auto added = api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 2}}, token);
  REQUIRE(added.status() == 201);
  CHECK(added.data()["items"][0]["quantity"] == 2);
  CHECK_FALSE(added.header("x-consistency-token").empty());

  auto changed = api.put("/api/v1/cart/items/prod-001", {{"quantity", 3}}, token);
  REQUIRE(changed.status() == 200);
  auto cart = api.get("/api/v1/cart" + consistent_with(changed), token);
  REQUIRE(cart.status() == 200);
  REQUIRE(cart.data()["items"].size() == 1);
  CHECK(cart.data()["items"][0]["quantity"] == 3);
  CHECK(cart.data()["total"] == 3 * cart.data()["items"][0]["unitPrice"].get<std::int64_t>());

  auto order = api.post("/api/v1/cart/checkout", {{"paymentToken", "tok_visa"}}, token);
  REQUIRE(order.status() == 201);
  CHECK(order.data()["status"] == "confirmed");
  CHECK(order.data()["checkout"]["outcome"] == "confirmed");
  const auto order_id = order.data()["id"].get<std::string>();
  const auto payment_id = order.data()["paymentId"].get<std::string>();
  const auto after_checkout = consistent_with(order);

  auto mine = api.get("/api/v1/orders/" + order_id + after_checkout, token);
  REQUIRE(mine.status() == 200);
  CHECK(mine.data()["status"] == "confirmed");
  CHECK(mine.data()["total"] == order.data()["total"]);
  auto history = api.get("/api/v1/orders" + after_checkout, token);
  REQUIRE(history.status() == 200);
  REQUIRE(history.data().size() == 1);
  CHECK(history.data()[0]["id"] == order_id);

  auto payment = api.get("/api/v1/payments/" + payment_id + after_checkout, token);
  REQUIRE(payment.status() == 200);
  CHECK(payment.data()["status"] == "authorized");
  CHECK(payment.data()["orderId"] == order_id);

  auto inbox = api.get("/api/v1/notifications" + after_checkout, token);
  REQUIRE(inbox.status() == 200);
  REQUIRE(inbox.data().size() >= 1);
  CHECK(inbox.data()[0]["kind"] == "order_confirmed");
  CHECK(inbox.data()[0]["orderId"] == order_id);

  CHECK(stock_of(api, "prod-001", after_checkout) == stock_before - 3);
  auto emptied = api.get("/api/v1/cart" + after_checkout, token);
  CHECK(emptied.data()["items"].empty());

  // Admin fulfilment: ship, deliver, refund.
  const auto admin = mint_token("admin-1", "admin");
  auto shipped = api.post("/api/v1/orders/" + order_id + "/ship",
                          {{"trackingNumber", "TRK1"}, {"carrier", "UPS"}}, admin);
  REQUIRE(shipped.status() == 200);
  CHECK(shipped.data()["status"] == "shipped");
  CHECK(api.post("/api/v1/orders/" + order_id + "/cancel", nlohmann::json::object(), token).status() == 409);
  auto delivered = api.post("/api/v1/orders/" + order_id + "/deliver", nlohmann::json::object(), admin);
  REQUIRE(delivered.status() == 200);
  CHECK(delivered.data()["status"] == "delivered");
  auto refunded = api.post("/api/v1/orders/" + order_id + "/refund", {{"reason", "damaged"}}, admin);
  REQUIRE(refunded.status() == 200);
  CHECK(refunded.data()["status"] == "refunded");
  auto refund_inbox = api.get("/api/v1/notifications" + consistent_with(refunded), token);
  REQUIRE(refund_inbox.status() == 200);
  std::set<std::string> kinds;
  for (auto& n : refund_inbox.data()) kinds.insert(n["kind"].get<std::string>());
  CHECK(kinds.count("order_shipped") == 1);
  CHECK(kinds.count("refund_issued") == 1);
}

TEST_CASE("tok_chargeDeclined: the order is cancelled and the stock released") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto token = api.register_user("bob@example.com");
  const auto stock_before = stock_of(api, "prod-002");

  REQUIRE(api.post("/api/v1/cart/items", {{"productId", "prod-002"}, {"quantity", 4}}, token).status() ==
          201);
  auto order = api.post("/api/v1/cart/checkout", {{"paymentToken", "tok_chargeDeclined"}}, token);
  REQUIRE(order.status() == 201);
  CHECK(order.data()["status"] == "cancelled");
  CHECK(order.data()["checkout"]["outcome"] == "compensated");
  CHECK(order.data()["checkout"]["reason"]["code"] == "payment_failed");
  const auto after = consistent_with(order);

  CHECK(stock_of(api, "prod-002", after) == stock_before);
  auto mine = api.get("/api/v1/orders/" + order.data()["id"].get<std::string>() + after, token);
  REQUIRE(mine.status() == 200);
  CHECK(mine.data()["status"] == "cancelled");
  auto inbox = api.get("/api/v1/notifications" + after, token);
  REQUIRE(inbox.status() == 200);
  std::set<std::string> kinds;
  for (auto& n : inbox.data()) kinds.insert(n["kind"].get<std::string>());
  CHECK((kinds.count("payment_failed") + kinds.count("order_cancelled")) >= 1);

  // The cart keeps its items after a failed checkout? Either way an empty checkout is refused.
  api.del("/api/v1/cart", token);
  CHECK(api.post("/api/v1/cart/checkout", {{"paymentToken", "tok_visa"}}, token).status() == 422);
}

TEST_CASE("catalog administration, idempotency keys, removing items, clearing the cart") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto admin = mint_token("admin-1", "admin");
  const auto token = api.register_user("carol@example.com");

  auto created = api.post("/api/v1/products",
                          {{"id", "tea-1"},
                           {"name", "Green tea"},
                           {"description", "Sencha, 100 g"},
                           {"category", "tea"},
                           {"price", 650},
                           {"currency", "EUR"},
                           {"stock", 5}},
                          admin);
  REQUIRE(created.status() == 201);
  CHECK(created.header("location") == "/api/v1/products/tea-1");
  CHECK(api.post("/api/v1/products", {{"id", "tea-1"}, {"name", "Again"}, {"price", 1}, {"currency", "EUR"}},
                 admin)
            .status() == 409);
  auto updated = api.put("/api/v1/products/tea-1", {{"price", 700}, {"currency", "EUR"}}, admin);
  REQUIRE(updated.status() == 200);
  auto restocked = api.post("/api/v1/products/tea-1/restock", {{"quantity", 10}}, admin);
  REQUIRE(restocked.status() == 200);
  auto shown = api.get("/api/v1/products/tea-1" + consistent_with(restocked));
  REQUIRE(shown.status() == 200);
  CHECK(shown.data()["price"] == 700);
  CHECK(shown.data()["stock"] == 15);
  auto by_category = api.get("/api/v1/products?category=tea" + std::string("&consistentWith=") +
                             restocked.header("x-consistency-token"));
  REQUIRE(by_category.status() == 200);
  REQUIRE(by_category.data().size() == 1);

  // The same Idempotency-Key twice adds once.
  std::map<std::string, std::string> key{{"Idempotency-Key", "add-tea-once"}};
  auto first = api.post("/api/v1/cart/items", {{"productId", "tea-1"}, {"quantity", 2}}, token, key);
  auto again = api.post("/api/v1/cart/items", {{"productId", "tea-1"}, {"quantity", 2}}, token, key);
  REQUIRE(first.status() == 201);
  REQUIRE(again.status() == 201);
  auto cart = api.get("/api/v1/cart" + consistent_with(first), token);
  CHECK(cart.data()["items"][0]["quantity"] == 2);

  REQUIRE(api.post("/api/v1/cart/items", {{"productId", "prod-003"}, {"quantity", 1}}, token).status() ==
          201);
  auto removed = api.del("/api/v1/cart/items/tea-1", token);
  REQUIRE(removed.status() == 200);
  CHECK(removed.data()["items"].size() == 1);
  CHECK(api.del("/api/v1/cart/items/tea-1", token).status() == 404);
  auto cleared = api.del("/api/v1/cart", token);
  REQUIRE(cleared.status() == 200);
  CHECK(cleared.data()["items"].empty());

  auto deactivated = api.post("/api/v1/products/tea-1/deactivate", nlohmann::json::object(), admin);
  REQUIRE(deactivated.status() == 200);
  CHECK(api.get("/api/v1/products/tea-1" + consistent_with(deactivated)).status() == 404);
  CHECK(api.post("/api/v1/cart/items", {{"productId", "tea-1"}, {"quantity", 1}}, token).status() == 409);
}

TEST_CASE("event routes: the log, a stream, correlation ids from X-Request-Id") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto admin = mint_token("admin-1", "admin");
  const auto token = api.register_user("dave@example.com");

  auto added = api.call("POST", "/api/v1/cart/items", token, R"({"productId":"prod-004","quantity":1})",
                        {{"X-Request-Id", "journey-req-42"}});
  REQUIRE(added.status() == 201);
  CHECK(added.header("x-request-id") == "journey-req-42");
  const auto cart_id = added.data()["id"].get<std::string>();

  auto stream = api.get("/api/v1/events/streams/cart/" + cart_id, admin);
  REQUIRE(stream.status() == 200);
  REQUIRE(stream.data().size() == 1);
  CHECK(stream.data()[0]["type"] == "CartItemAdded");
  CHECK(stream.data()[0]["correlationId"] == "journey-req-42");
  CHECK(api.get("/api/v1/events/streams/cart/no-such-cart", admin).status() == 404);

  auto log = api.get("/api/v1/events?after=0&limit=3", admin);
  REQUIRE(log.status() == 200);
  CHECK(log.data().size() == 3);
  CHECK(log.body["meta"]["next"] == log.data()[2]["globalPosition"]);
  auto rest = api.get(
      "/api/v1/events?after=" + std::to_string(log.body["meta"]["next"].get<std::uint64_t>()) + "&limit=2",
      admin);
  REQUIRE(rest.status() == 200);
  CHECK(rest.data()[0]["globalPosition"].get<std::uint64_t>() ==
        log.body["meta"]["next"].get<std::uint64_t>() + 1);
  CHECK(api.get("/api/v1/events", token).status() == 403);

  // Password hashes stay in the log: the API redacts them.
  auto first = api.get("/api/v1/events?after=0&limit=1000", admin);
  bool saw_user = false;
  for (auto& e : first.data())
    if (e["type"] == "UserRegistered") {
      saw_user = true;
      CHECK(e["data"]["passwordHash"] == "[redacted]");
    }
  CHECK(saw_user);
}

TEST_CASE("live feed: Server-Sent Events from a position, resumed with Last-Event-ID") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto admin = mint_token("admin-1", "admin");
  const auto head = api.log_head();

  // A held request is answered as soon as an event after Last-Event-ID is committed. The
  // event is committed once the node holds the request (nothing else is in flight before).
  in_flight_probe probe(node.port, node.proc);
  REQUIRE(wait_until([&] { return probe.others() == 0; }));
  http_connection feed("127.0.0.1", node.port);
  feed.send_request("GET", "/api/v1/events/live",
                    {{"Authorization", "Bearer " + admin}, {"Last-Event-ID", std::to_string(head)}});
  REQUIRE_MESSAGE(wait_until([&] { return probe.others() >= 1; }), "the live feed request was never held:\n"
                                                                       << node.proc.output());
  REQUIRE(api.post("/api/v1/products/prod-005/restock", {{"quantity", 2}}, admin).status() == 200);
  auto r = feed.read_response();
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "text/event-stream");
  const auto expected_id = "id: " + std::to_string(head + 1) + "\nevent: ProductRestocked\ndata: {";
  CHECK(r.body.find(expected_id) != std::string::npos);
  CHECK(r.body.find("retry: ") == 0);

  // From a position: everything after it, in commit order.
  auto from = feed.request("GET", "/api/v1/events/live?after=0", {{"Authorization", "Bearer " + admin}});
  REQUIRE(from.status == 200);
  CHECK(from.body.find("id: 1\n") != std::string::npos);
  CHECK(from.body.find("id: " + std::to_string(head + 1) + "\n") != std::string::npos);
  CHECK(api.get("/api/v1/events/live", mint_token("u", "customer")).status() == 403);
}
