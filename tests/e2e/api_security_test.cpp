// End to end: the API's refusals against the real mercatod — the authorization matrix
// (user A against B's resources, customers on admin routes, forged / expired / alg:none /
// wrong-audience / wrong-issuer tokens), rate limits, the body limit, malformed and hostile
// input. Every refusal is a clear 4xx problem+json and writes nothing to the log.
#include <thread>

#include <doctest/doctest.h>

#include <mercato/http/webhook_sig.hpp>

#include "api_support.hpp"

using namespace mercato::test;
using namespace std::chrono_literals;

namespace {

/// A byte as an unsigned int (shifts stay unsigned).
unsigned byte(char c) {
  return static_cast<unsigned char>(c);
}

std::string base64url(const std::string& in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (byte(in[i]) << 16) | (byte(in[i + 1]) << 8) | byte(in[i + 2]);
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = byte(in[i]) << 16;
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63]};
  } else if (i + 2 == in.size()) {
    const unsigned v = (byte(in[i]) << 16) | (byte(in[i + 1]) << 8);
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63], table[(v >> 6) & 63]};
  }
  return out;
}

void check_problem(const api_result& r, int status) {
  CHECK(r.status() == status);
  CHECK(r.header("content-type") == "application/problem+json");
  REQUIRE(r.body.is_object());
  CHECK(r.body["status"] == status);
  CHECK(r.body["type"].get<std::string>().rfind("https://mercato.dev/problems/", 0) == 0);
  CHECK(r.body["detail"].is_string());
}

}  // namespace

TEST_CASE("authorization matrix: another user's resources are 404, admin routes 403, bad tokens 401") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto alice = api.register_user("alice@example.com");
  const auto bob = api.register_user("bob@example.com");
  const auto admin = mint_token("admin-1", "admin");

  REQUIRE(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 1}}, alice).status() ==
          201);
  auto order = api.post("/api/v1/cart/checkout", {{"paymentToken", "tok_visa"}}, alice);
  REQUIRE(order.status() == 201);
  const auto order_id = order.data()["id"].get<std::string>();
  const auto payment_id = order.data()["paymentId"].get<std::string>();
  const auto after = consistent_with(order);
  REQUIRE(api.get("/api/v1/orders/" + order_id + after, alice).status() == 200);

  SUBCASE("user B against A's order, payment, cart and notifications") {
    const auto head = api.log_head();
    check_problem(api.get("/api/v1/orders/" + order_id + after, bob), 404);
    check_problem(api.get("/api/v1/payments/" + payment_id + after, bob), 404);
    check_problem(api.post("/api/v1/orders/" + order_id + "/cancel", nlohmann::json::object(), bob), 404);
    auto bobs_orders = api.get("/api/v1/orders" + after, bob);
    REQUIRE(bobs_orders.status() == 200);
    CHECK(bobs_orders.data().empty());
    auto bobs_inbox = api.get("/api/v1/notifications" + after, bob);
    REQUIRE(bobs_inbox.status() == 200);
    CHECK(bobs_inbox.data().empty());
    auto bobs_cart = api.get("/api/v1/cart", bob);
    REQUIRE(bobs_cart.status() == 200);
    CHECK(bobs_cart.data()["items"].empty());
    CHECK(api.log_head() == head);
    // The admin sees it.
    CHECK(api.get("/api/v1/orders/" + order_id + after, admin).status() == 200);
  }

  SUBCASE("a customer on admin routes gets 403") {
    const auto head = api.log_head();
    check_problem(api.post("/api/v1/products", {{"name", "x"}, {"price", 1}, {"currency", "EUR"}}, alice),
                  403);
    check_problem(api.put("/api/v1/products/prod-001", {{"name", "x"}}, alice), 403);
    check_problem(api.post("/api/v1/products/prod-001/deactivate", nlohmann::json::object(), alice), 403);
    check_problem(api.post("/api/v1/products/prod-001/restock", {{"quantity", 5}}, alice), 403);
    check_problem(api.post("/api/v1/orders/" + order_id + "/ship", nlohmann::json::object(), alice), 403);
    check_problem(api.post("/api/v1/orders/" + order_id + "/deliver", nlohmann::json::object(), alice), 403);
    check_problem(api.post("/api/v1/orders/" + order_id + "/refund", nlohmann::json::object(), alice), 403);
    check_problem(api.get("/api/v1/events", alice), 403);
    check_problem(api.get("/api/v1/events/streams/order/" + order_id, alice), 403);
    CHECK(api.log_head() == head);
  }

  SUBCASE("missing, forged, expired, alg:none, wrong audience or issuer tokens get 401") {
    const auto head = api.log_head();
    const auto user = order.data()["userId"].get<std::string>();
    auto other_secret = test_jwt_settings();
    other_secret.secret = "another-secret-0123456789abcdef0123456789";
    auto wrong_audience = test_jwt_settings();
    wrong_audience.audience = "someone-else";
    auto wrong_issuer = test_jwt_settings();
    wrong_issuer.issuer = "evil";
    const auto two_hours_ago = [] { return mercato::system_now_ns() - 7200LL * 1000000000LL; };
    const std::string none_token = base64url(R"({"alg":"none","typ":"JWT"})") + "." +
                                   base64url(R"({"iss":"mercato","aud":"mercato-storefront","sub":")" + user +
                                             R"(","role":"admin","iat":1700000000,"exp":4102444800})") +
                                   ".";
    auto tampered = alice;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';

    for (const auto& bad :
         {mint_token(user, "customer", other_secret), mint_token(user, "customer", wrong_audience),
          mint_token(user, "customer", wrong_issuer),
          mint_token(user, "customer", test_jwt_settings(), two_hours_ago), none_token, tampered,
          std::string("not-a-token")}) {
      auto r = api.get("/api/v1/orders/" + order_id, bad);
      check_problem(r, 401);
      CHECK(r.header("www-authenticate") == "Bearer");
      check_problem(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 1}}, bad), 401);
    }
    check_problem(api.get("/api/v1/cart"), 401);
    check_problem(api.call("GET", "/api/v1/cart", {}, {}, {{"Authorization", "Basic YTpi"}}), 401);
    CHECK(api.log_head() == head);
  }
}

TEST_CASE("bad input: every one a clear 4xx and no write") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {},
                    api_env({{"MERCATO_HTTP_MAX_REQUEST_BYTES", "4096"}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto token = api.register_user("eve@example.com");
  const auto head = api.log_head();

  // Malformed JSON, wrong shapes, hostile numbers and strings.
  check_problem(api.call("POST", "/api/v1/cart/items", token, R"({"productId":"prod-001","quantity":)"), 400);
  check_problem(api.call("POST", "/api/v1/cart/items", token, R"({"productId":"prod-001","quantity":1,})"),
                400);
  check_problem(api.call("POST", "/api/v1/cart/items", token, R"(["prod-001",1])"), 422);
  check_problem(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", -1}}, token), 422);
  check_problem(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 0}}, token), 422);
  check_problem(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 100}}, token), 422);
  check_problem(api.call("POST", "/api/v1/cart/items", token,
                         R"({"productId":"prod-001","quantity":99999999999999999999999999})"),
                422);
  check_problem(api.call("POST", "/api/v1/cart/items", token, R"({"productId":"prod-001","quantity":1e300})"),
                422);
  check_problem(api.call("POST", "/api/v1/cart/items", token, R"({"productId":"prod-001","quantity":1.5})"),
                422);
  check_problem(api.call("POST", "/api/v1/cart/items", token, R"({"productId":"prod-001","quantity":"2"})"),
                422);
  check_problem(
      api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 1}, {"admin", true}}, token),
      422);
  check_problem(api.post("/api/v1/cart/items", {{"quantity", 1}}, token), 422);
  check_problem(
      api.call("POST", "/api/v1/cart/items", token, "{\"productId\":\"prod\\u0000001\",\"quantity\":1}"),
      422);
  check_problem(api.call("POST", "/api/v1/cart/items", token, "{\"productId\":\"prod-\x01\",\"quantity\":1}"),
                400);
  check_problem(api.post("/api/v1/cart/items", {{"productId", "prödukt-ü"}, {"quantity", 1}}, token), 422);
  check_problem(api.call("POST", "/api/v1/cart/items", token, "{\"productId\":\"\xff\xfe\",\"quantity\":1}"),
                400);
  check_problem(api.post("/api/v1/cart/items", {{"productId", "prod-404"}, {"quantity", 1}}, token), 404);
  check_problem(api.put("/api/v1/cart/items/prod-001", {{"quantity", -5}}, token), 422);
  check_problem(api.post("/api/v1/cart/checkout", nlohmann::json::object(), token), 422);
  check_problem(api.post("/api/v1/auth/register", {{"email", "not-an-email"}, {"password", "Password123!"}}),
                422);
  check_problem(api.post("/api/v1/auth/register", {{"email", "weak@example.com"}, {"password", "short"}}),
                422);
  check_problem(
      api.post("/api/v1/auth/register",
               {{"email", "ctl@example.com"}, {"password", "Password123!"}, {"displayName", "a\x07z"}}),
      422);
  check_problem(api.get("/api/v1/products?pageSize=100000"), 400);
  check_problem(api.get("/api/v1/products?minPrice=-1"), 400);
  check_problem(api.get("/api/v1/products?sort=drop%20table"), 400);
  check_problem(api.get("/api/v1/products?unknown=1"), 400);
  check_problem(api.get("/api/v1/orders?consistentWith=garbage", token), 400);
  check_problem(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 1}}, token,
                         {{"Idempotency-Key", std::string(300, 'k')}}),
                400);
  check_problem(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 1}}, token,
                         {{"Idempotency-Key", "key with spaces"}}),
                400);

  // Media type, body size, routes and methods.
  check_problem(api.call("POST", "/api/v1/cart/items", token, R"({"productId":"prod-001","quantity":1})",
                         {{"Content-Type", "text/plain"}}),
                415);
  const std::string big = R"({"productId":"prod-001","quantity":1,"pad":")" + std::string(5000, 'x') + "\"}";
  check_problem(api.call("POST", "/api/v1/cart/items", token, big), 413);
  check_problem(api.get("/api/v1/nothing-here"), 404);
  check_problem(api.get("/api/v1/products/prod-001/../../etc/passwd"), 404);
  auto wrong_method = api.del("/api/v1/products", token);
  check_problem(wrong_method, 405);
  CHECK(wrong_method.header("allow") == "GET, POST");

  CHECK(api.log_head() == head);

  // Unicode that is valid goes through intact.
  auto reg =
      api.post("/api/v1/auth/register",
               {{"email", "zoe@example.com"}, {"password", "Pässwörd123"}, {"displayName", "Zoë 🚀 Ørsted"}});
  REQUIRE(reg.status() == 201);
  CHECK(reg.data()["user"]["displayName"] == "Zoë 🚀 Ørsted");
}

TEST_CASE("rate limits: 429 with Retry-After, per client, auth routes separately") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {},
                    api_env({{"MERCATO_HTTP_RATE_LIMIT_GENERAL_PER_MINUTE", "5"},
                             {"MERCATO_HTTP_RATE_LIMIT_AUTH_PER_HOUR", "2"}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  for (int i = 0; i < 5; ++i) CHECK(api.get("/api/v1/products/prod-001").status() == 200);
  auto limited = api.get("/api/v1/products/prod-001");
  check_problem(limited, 429);
  CHECK(std::stoi(limited.header("retry-after")) >= 1);
  CHECK(api.get("/health/live").status() == 200);  // operations routes are not limited

  CHECK(api.post("/api/v1/auth/login", {{"email", "test@example.com"}, {"password", "Password123!"}})
            .status() == 200);
  CHECK(
      api.post("/api/v1/auth/login", {{"email", "test@example.com"}, {"password", "nope-nope1"}}).status() ==
      401);
  auto auth_limited =
      api.post("/api/v1/auth/login", {{"email", "test@example.com"}, {"password", "Password123!"}});
  check_problem(auth_limited, 429);
  CHECK(std::stoi(auth_limited.header("retry-after")) >= 60);
}

TEST_CASE("payment webhook: only a fresh, correctly signed body is accepted") {
  temp_dir dir;
  const std::string secret = "whsec-0123456789abcdef0123456789abcdef";
  node_process node(dir / "data", dir / "node.log", {},
                    api_env({{"MERCATO_PAYMENTS_WEBHOOK_SECRET", secret}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  const std::string body = R"({"id":"evt_1","type":"payment.captured","paymentId":"pay-1"})";
  const auto now = mercato::system_now_ns() / 1000000000;
  auto signed_call = [&](const std::string& signature, const std::string& b) {
    return api.call("POST", "/api/v1/payments/webhook", {}, b, {{"Mercato-Signature", signature}});
  };
  auto ok = signed_call(mercato::http::sign_webhook(secret, now, body), body);
  CHECK(ok.status() == 200);
  CHECK(ok.data()["received"] == true);
  check_problem(signed_call(mercato::http::sign_webhook("other-secret-0123456789abcdef", now, body), body),
                401);
  check_problem(signed_call(mercato::http::sign_webhook(secret, now - 600, body), body), 401);  // replay
  check_problem(signed_call(mercato::http::sign_webhook(secret, now, body), body + " "), 401);  // altered
  check_problem(api.call("POST", "/api/v1/payments/webhook", {}, body), 401);                   // unsigned
}

TEST_CASE("an entity that does not answer in time gets 503 with Retry-After, exactly once") {
  temp_dir dir;
  // Registration hashes with Argon2id, here made to take 64 passes over 19 MiB (hundreds of
  // milliseconds): far beyond a 10 ms timeout.
  node_process node(
      dir / "data", dir / "node.log", {},
      api_env({{"MERCATO_HTTP_REQUEST_TIMEOUT_MS", "10"}, {"MERCATO_AUTH_ARGON2_PASSES", "64"}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto head = api.log_head();
  auto r = api.post("/api/v1/auth/register", {{"email", "slow@example.com"}, {"password", "Password123!"}},
                    {}, {{"X-Request-Id", "slow-register-1"}});
  check_problem(r, 503);
  CHECK(r.header("retry-after") == "1");
  // The registration goes on and commits (EmailClaimed + UserRegistered); its late answer is
  // dropped: the connection carries on with the next response, and the request was answered
  // (and logged) once.
  REQUIRE_MESSAGE(wait_until([&] { return api.log_head() >= head + 2; }),
                  "the registration never committed:\n"
                      << node.proc.output());
  CHECK(api.get("/health/live").status() == 200);
  CHECK(api.get("/health/live").status() == 200);
  REQUIRE(wait_until([&] { return !access_lines(node.proc, "slow-register-1").empty(); }));
  const auto lines = access_lines(node.proc, "slow-register-1");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["status"] == 503);
}

TEST_CASE(
    "read-your-writes: a query waits for its token's positions, and past the bounded wait answers 503") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto token = api.register_user("ryw@example.com");
  // A write's own token is answered (the projection has passed it, or does within the wait).
  auto added = api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 2}}, token);
  REQUIRE(added.status() == 201);
  const auto mine = consistent_with(added);
  REQUIRE_FALSE(mine.empty());
  auto cart = api.get("/api/v1/cart" + mine, token);
  REQUIRE(cart.status() == 200);
  CHECK(cart.data()["items"].size() == 1);
  // A position the log has not reached: the query waits (bounded), then 503 + Retry-After,
  // and the connection serves the next request.
  const auto head = api.log_head();
  auto future = api.get("/api/v1/cart?consistentWith=0." + std::to_string(head + 1000000), token);
  check_problem(future, 503);
  CHECK_FALSE(future.header("retry-after").empty());
  CHECK(api.get("/api/v1/cart", token).status() == 200);
}
