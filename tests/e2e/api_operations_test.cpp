// End to end: the operations side of the API on the real mercatod — health and readiness,
// /metrics accepted by `promtool check metrics`, the OpenAPI document against the routes the
// server registers, access log lines, request ids, CORS, keep-alive on API routes, and a
// graceful SIGTERM that answers the request in flight before exiting 0.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include <mercato/http/openapi.hpp>
#include <mercato/http/server.hpp>

#include "api_support.hpp"

using namespace mercato::test;
using namespace std::chrono_literals;

TEST_CASE("every route the server registers is in the OpenAPI document, and vice versa") {
  const auto registered = mercato::http::server::route_list();
  const auto documented = mercato::http::openapi_routes();
  std::set<std::string> reg, doc;
  for (const auto& r : registered) reg.insert(r.method + " " + r.path);
  for (const auto& r : documented) doc.insert(r.method + " " + r.path);
  for (const auto& r : reg) CHECK_MESSAGE(doc.count(r) == 1, "not in openapi.json: " << r);
  for (const auto& d : doc) CHECK_MESSAGE(reg.count(d) == 1, "documented but not served: " << d);
}

TEST_CASE("health, readiness, /openapi.json, request ids and access log lines") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  api_client api(node.port);

  api_result ready;
  REQUIRE_MESSAGE(wait_until([&] {
                    ready = api.get("/health/ready");
                    return ready.status() == 200;
                  }),
                  "the node did not get ready: " << ready.raw.body);
  CHECK(ready.body["checks"]["storage"] == "up");
  CHECK(ready.body["checks"]["projections"] == "caught-up");
  auto health = api.get("/health");
  REQUIRE(health.status() == 200);
  CHECK(health.body["storage"]["healthy"] == true);
  CHECK(health.body["projections"].size() >= 6);

  auto doc = api.get("/openapi.json");
  REQUIRE(doc.status() == 200);
  CHECK(doc.body["openapi"].get<std::string>().rfind("3.", 0) == 0);

  auto echoed = api.call("GET", "/api/v1/products/prod-001", {}, {}, {{"X-Request-Id", "ops-check-1"}});
  CHECK(echoed.header("x-request-id") == "ops-check-1");
  auto generated =
      api.call("GET", "/api/v1/products/prod-001", {}, {}, {{"X-Request-Id", "bad id with spaces"}});
  CHECK(generated.header("x-request-id").size() == 32);

  // The access log: one JSON line per request with route, status, duration and request id,
  // written by the log's own thread shortly after the answer.
  nlohmann::json entry;
  REQUIRE(wait_until([&] {
    std::istringstream lines(node.proc.output());
    std::string line;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("request_id", "") == "ops-check-1") {
        entry = std::move(j);
        return true;
      }
    }
    return false;
  }));
  CHECK(entry["route"] == "/api/v1/products/{id}");
  CHECK(entry["status"] == 200);
  CHECK(entry["method"] == "GET");
  CHECK(entry["duration_ms"].is_number());
}

TEST_CASE("/metrics passes promtool check metrics and counts requests by route template") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  api.get("/api/v1/products/prod-001");
  api.get("/api/v1/products/prod-002");
  api.get("/api/v1/nope");
  // A request is counted just after its answer is sent: scrape until both are.
  const std::string counted =
      R"(http_requests_total{method="GET",route="/api/v1/products/{id}",status="200"} 2)";
  api_result m;
  REQUIRE_MESSAGE(wait_until([&] {
                    m = api.get("/metrics");
                    return m.raw.body.find(counted) != std::string::npos;
                  }),
                  m.raw.body);
  REQUIRE(m.status() == 200);
  CHECK(m.header("content-type").rfind("text/plain", 0) == 0);
  const auto& text = m.raw.body;
  CHECK(text.find("http_request_duration_seconds_bucket") != std::string::npos);
  CHECK(text.find("mercato_eventstore_events_total") != std::string::npos);
  CHECK(text.find("mercato_actors_live_entities") != std::string::npos);
  CHECK(text.find("mercato_projection_lag_events{projection=\"catalog\"}") != std::string::npos);
  CHECK(text.find("process_resident_memory_bytes") != std::string::npos);

  const auto file = dir / "metrics.txt";
  std::ofstream(file) << text;
  const auto command =
      "promtool check metrics < " + file.string() + " > " + (dir / "promtool.out").string() + " 2>&1";
  const int rc = std::system(command.c_str());
  std::ifstream out(dir / "promtool.out");
  std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  CHECK_MESSAGE(rc == 0, report);
  CHECK_MESSAGE(report.empty(), report);  // no lint warnings either
}

TEST_CASE("CORS: configured origins get the headers, preflights are answered") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {},
                    api_env({{"MERCATO_HTTP_CORS_ORIGINS", "https://shop.example.com"}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  auto allowed =
      api.call("GET", "/api/v1/products/prod-001", {}, {}, {{"Origin", "https://shop.example.com"}});
  CHECK(allowed.header("access-control-allow-origin") == "https://shop.example.com");
  auto other = api.call("GET", "/api/v1/products/prod-001", {}, {}, {{"Origin", "https://evil.example.com"}});
  CHECK(other.header("access-control-allow-origin").empty());
  auto preflight = api.call("OPTIONS", "/api/v1/cart/items", {}, {},
                            {{"Origin", "https://shop.example.com"},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "authorization, content-type"}});
  CHECK(preflight.status() == 204);
  CHECK(preflight.header("access-control-allow-methods").find("POST") != std::string::npos);
}

TEST_CASE("API routes keep the connection open for a client that sends no Connection header") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  http_connection c("127.0.0.1", node.port);
  for (int i = 0; i < 5; ++i) {
    auto r = c.request("GET", "/api/v1/products/prod-00" + std::to_string(i + 1));
    CHECK(r.status == 200);
    CHECK(r.header("connection") != "Close");
  }
  auto refused = c.request("GET", "/api/v1/cart");  // an error answer keeps it open too
  CHECK(refused.status == 401);
  CHECK_FALSE(c.closed_by_peer());
}

TEST_CASE("SIGTERM: the request in flight is answered, then the node exits 0") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  const auto token = api.register_user("late@example.com");
  REQUIRE(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 1}}, token).status() ==
          201);

  // SIGTERM once the node has read the request: it is in flight (Argon2id hashing) or
  // already answered (its access-log line). Nothing else is in flight before it is sent.
  in_flight_probe probe(node.port, node.proc);
  REQUIRE(wait_until([&] { return probe.others() == 0; }));
  http_connection in_flight("127.0.0.1", node.port);
  const std::string body = R"({"email":"during-stop@example.com","password":"Password123!"})";
  in_flight.send_request("POST", "/api/v1/auth/register",
                         {{"Content-Type", "application/json"}, {"X-Request-Id", "during-stop-1"}}, body);
  REQUIRE_MESSAGE(
      wait_until([&] { return probe.others() >= 1 || !access_lines(node.proc, "during-stop-1").empty(); }),
      "the node never received the request:\n"
          << node.proc.output());
  node.proc.signal(SIGTERM);
  auto r = in_flight.read_response();
  CHECK(r.status == 201);
  CHECK(r.header("x-request-id") == "during-stop-1");
  auto code = node.proc.wait(60s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(node.proc.output().find("mercatod stopped") != std::string::npos);
}
