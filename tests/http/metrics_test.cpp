#include <doctest/doctest.h>

#include <mercato/http/metrics.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>

#include "temp_dir.hpp"

namespace h = mercato::http;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l))
    if (l == line) return true;
  return false;
}

double sample_value(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l))
    if (l.starts_with(prefix + " ")) return std::stod(l.substr(prefix.size() + 1));
  throw std::runtime_error("no sample " + prefix);
}

struct promtool_result {
  int exit_code = -1;
  std::string output;
};

/// Pipes `text` into the real `promtool check metrics`.
promtool_result promtool_check(const std::string& text) {
  mercato::test::temp_dir dir;
  const auto input = dir / "metrics.txt";
  const auto output = dir / "promtool.out";
  std::ofstream(input) << text;
  const std::string cmd = std::string(PROMTOOL_PATH) + " check metrics < '" + input.string() + "' > '" +
                          output.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(output);
  std::stringstream out;
  out << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out.str()};
}

/// A registry as mercatod fills it: HTTP metrics, process figures and scrape-time
/// collectors for event store, actors and projections.
struct node_like_registry {
  h::registry r;
  h::http_metrics http{r};
  node_like_registry() {
    h::add_process_collector(r);
    r.add_collector([](h::scrape& s) {
      s.counter("mercato_eventstore_appends_total", "Append requests answered by the writer.", 1234);
      s.counter("mercato_eventstore_events_total", "Events made durable.", 5678);
      s.counter("mercato_eventstore_write_seconds_total", "Time spent in synced RocksDB writes.", 1.25);
      s.gauge("mercato_actors_live_entities", "Entities in memory.", 42);
      s.gauge("mercato_projection_lag_events", "Events not yet applied, by projection.", 3,
              {{"projection", "catalog"}});
      s.gauge("mercato_projection_lag_events", "", 0, {{"projection", "orders"}});
    });
  }
};

}  // namespace

TEST_CASE("http metrics: counters by method, route and status; latency histogram") {
  node_like_registry n;
  n.http.observe("GET", "/api/v1/products/{id}", 200, 0.0007);
  n.http.observe("GET", "/api/v1/products/{id}", 200, 0.003);
  n.http.observe("GET", "/api/v1/products/{id}", 404, 0.0001);
  n.http.observe("POST", "/api/v1/cart/items", 201, 20.0);
  n.http.in_flight().add(2);
  n.http.rate_limited("auth").inc();
  const std::string text = n.r.render();
  INFO(text);
  CHECK(has_line(text, "# TYPE http_requests_total counter"));
  CHECK(has_line(text, R"(http_requests_total{method="GET",route="/api/v1/products/{id}",status="200"} 2)"));
  CHECK(has_line(text, R"(http_requests_total{method="GET",route="/api/v1/products/{id}",status="404"} 1)"));
  CHECK(has_line(text, "# TYPE http_request_duration_seconds histogram"));
  CHECK(has_line(
      text,
      R"(http_request_duration_seconds_bucket{method="GET",route="/api/v1/products/{id}",le="0.0005"} 1)"));
  CHECK(has_line(
      text,
      R"(http_request_duration_seconds_bucket{method="GET",route="/api/v1/products/{id}",le="0.001"} 2)"));
  CHECK(has_line(
      text,
      R"(http_request_duration_seconds_bucket{method="GET",route="/api/v1/products/{id}",le="+Inf"} 3)"));
  CHECK(
      has_line(text, R"(http_request_duration_seconds_count{method="GET",route="/api/v1/products/{id}"} 3)"));
  CHECK(has_line(
      text, R"(http_request_duration_seconds_bucket{method="POST",route="/api/v1/cart/items",le="10"} 0)"));
  CHECK(has_line(
      text, R"(http_request_duration_seconds_bucket{method="POST",route="/api/v1/cart/items",le="+Inf"} 1)"));
  CHECK(has_line(text, R"(http_request_duration_seconds_sum{method="POST",route="/api/v1/cart/items"} 20)"));
  CHECK(has_line(text, "http_requests_in_flight 2"));
  CHECK(has_line(text, R"(http_rate_limited_total{class="auth"} 1)"));
}

TEST_CASE("collectors: grouped under one HELP/TYPE, labels kept") {
  node_like_registry n;
  const std::string text = n.r.render();
  CHECK(has_line(text, "# TYPE mercato_projection_lag_events gauge"));
  CHECK(has_line(text, R"(mercato_projection_lag_events{projection="catalog"} 3)"));
  CHECK(has_line(text, R"(mercato_projection_lag_events{projection="orders"} 0)"));
  CHECK(has_line(text, "mercato_eventstore_write_seconds_total 1.25"));
  CHECK(has_line(text, "mercato_actors_live_entities 42"));
  std::size_t type_lines = 0;
  for (std::size_t at = text.find("# TYPE mercato_projection_lag_events"); at != std::string::npos;
       at = text.find("# TYPE mercato_projection_lag_events", at + 1))
    ++type_lines;
  CHECK(type_lines == 1);
}

TEST_CASE("process figures come from /proc") {
  node_like_registry n;
  const std::string text = n.r.render();
  CHECK(sample_value(text, "process_resident_memory_bytes") > 1024 * 1024);
  CHECK(sample_value(text, "process_open_fds") >= 3);
  CHECK(sample_value(text, "process_threads") >= 1);
  const double start = sample_value(text, "process_start_time_seconds");
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(start <= now + 2);
  CHECK(start > now - 24 * 3600);  // this test process started today
  CHECK(sample_value(text, "process_cpu_seconds_total") >= 0);
}

TEST_CASE("label values are escaped; a throwing collector is skipped") {
  h::registry r;
  r.add_counter("demo_total", "Help with a \\ backslash\nand a newline.", {"path"})
      .with({"a\"b\\c\nd"})
      .inc(3);
  r.add_collector([](h::scrape&) { throw std::runtime_error("broken"); });
  r.add_collector([](h::scrape& s) { s.gauge("demo_ok", "Still here.", 1); });
  const std::string text = r.render();
  CHECK(has_line(text, R"(demo_total{path="a\"b\\c\nd"} 3)"));
  CHECK(has_line(text, R"(# HELP demo_total Help with a \\ backslash\nand a newline.)"));
  CHECK(has_line(text, "demo_ok 1"));
}

TEST_CASE("bad or duplicate registrations are refused") {
  h::registry r;
  r.add_counter("requests_total", "x");
  CHECK_THROWS_AS(r.add_counter("requests_total", "again"), std::invalid_argument);
  CHECK_THROWS_AS(r.add_gauge("requests_total", "other type"), std::invalid_argument);
  CHECK_THROWS_AS(r.add_gauge("1bad", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("h_seconds", "x", {"le"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("c_total", "x", {"bad-label"}), std::invalid_argument);
  CHECK(r.render().find("again") == std::string::npos);
}

TEST_CASE("concurrent observations are all counted") {
  h::registry r;
  h::http_metrics m(r);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) m.observe("GET", "/r" + std::to_string(t % 2), 200, 0.001);
    });
  for (auto& t : threads) t.join();
  const std::string text = r.render();
  CHECK(has_line(text, R"(http_requests_total{method="GET",route="/r0",status="200"} 20000)"));
  CHECK(has_line(text, R"(http_request_duration_seconds_count{method="GET",route="/r1"} 20000)"));
}

TEST_CASE("promtool check metrics accepts the rendered output") {
  REQUIRE_MESSAGE(std::string(PROMTOOL_PATH).find("NOTFOUND") == std::string::npos,
                  "promtool is missing: apt-get install prometheus (tools/install-deps.sh)");
  node_like_registry n;
  n.http.observe("GET", "/api/v1/products/{id}", 200, 0.002);
  n.http.observe("POST", "/api/v1/auth/login", 401, 0.05);
  n.http.rate_limited("general").inc();
  const auto result = promtool_check(n.r.render());
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("promtool check metrics catches a broken exposition (the check has teeth)") {
  REQUIRE(std::string(PROMTOOL_PATH).find("NOTFOUND") == std::string::npos);
  const auto result = promtool_check("# TYPE broken counter\nbroken{x=\"1\" 2\n");
  CHECK(result.exit_code != 0);
}
