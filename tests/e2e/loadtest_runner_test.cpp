// The load-test runner (tools/bench/loadtest.py, docs/loadtest.md) against the real mercatod in
// its smallest form: 5 users, the stages scaled by 0.01 (about 10 s). It must finish and report
// the replaced system's three routes, each answered with the status its k6 script expects, on
// the node configuration the load test documents (dev profile, rate limits off, a raised line
// limit). The latency threshold is not asserted: it is a figure of `make bench`, and a loaded
// or sanitizer build may miss it.
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

using namespace mercato::test;

TEST_CASE("loadtest.py replays the k6 scenario against mercatod: three routes, the expected statuses") {
  temp_dir dir;
  node_process node(
      dir / "data", dir / "node.log", {"--profile", "dev"},
      {{"MERCATO_HTTP_RATE_LIMIT_ENABLED", "false"}, {"MERCATO_ACTORS_MAX_LINE_QUANTITY", "0"}});
  // The demo data (prod-001…, test@example.com) is written before the node listens; the
  // catalog read model shows it a moment later.
  REQUIRE_MESSAGE(
      wait_until([&] { return http_request(node.port, "GET", "/api/v1/products/prod-001").status == 200; }),
      "the catalog never showed prod-001");

  const auto summary_file = dir / "summary.json";
  process runner(MERCATO_PYTHON3,
                 {LOADTEST_RUNNER, "--url", "http://127.0.0.1:" + std::to_string(node.port), "--max-users",
                  "5", "--time-scale", "0.01", "--summary", summary_file.string()},
                 {}, dir / "runner.log");
  const auto rc = runner.wait(patience * 2);
  REQUIRE_MESSAGE(rc.has_value(), "the runner did not finish:\n" << runner.output());
  // 0: thresholds met; 1: a threshold missed (a result, not asserted here); anything else is broken.
  REQUIRE_MESSAGE((*rc == 0 || *rc == 1), "runner exit " << *rc << ":\n" << runner.output());

  std::ifstream in(summary_file);
  auto s = nlohmann::json::parse(in, nullptr, false);
  REQUIRE_MESSAGE(s.is_object(), runner.output());
  const std::pair<const char*, const char*> routes[] = {{"GET /api/v1/products", "200"},
                                                        {"POST /api/v1/auth/login", "200"},
                                                        {"POST /api/v1/cart/items", "201"}};
  REQUIRE(s["routes"].size() == 3);
  for (const auto& [route, status] : routes) {
    INFO(route << ": " << s["routes"][route].dump() << "\n" << runner.output());
    const auto& r = s["routes"][route];
    REQUIRE(r.is_object());
    CHECK(r["count"].get<int>() > 0);
    CHECK(r["failures"].get<int>() == 0);
    CHECK(r["statuses"].size() == 1);
    CHECK(r["statuses"][status].get<int>() == r["count"].get<int>());
    CHECK(r["p95_ms"].is_number());
  }
  CHECK(s["iterations"].get<int>() > 0);
  CHECK(s["users_started"].get<int>() == 5);
  CHECK(s["http_req_failed"]["failed"].get<int>() == 0);
  CHECK(s["http_req_duration"]["p95_ms"].is_number());
  CHECK(s["thresholds"].size() == 2);
  CHECK(s["passed"].get<bool>() == (*rc == 0));
}
