// End to end: the real mercatod binary on a free loopback port with a temporary data
// directory: start, health, keep-alive, clean stops, refusals with clear messages.
#include <signal.h>

#include <fstream>
#include <sstream>
#include <vector>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using namespace mercato::test;
using namespace std::chrono_literals;

TEST_CASE("mercatod serves /health/live and stops with exit 0 on SIGTERM") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log");
  auto r = http_request(node.port, "GET", "/health/live");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  CHECK(nlohmann::json::parse(r.body)["status"] == "live");

  node.proc.signal(SIGTERM);
  auto code = node.proc.wait(30s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(node.proc.output().find("mercatod stopped") != std::string::npos);
}

TEST_CASE("SIGINT stops it cleanly too, and it restarts on the same directory") {
  temp_dir dir;
  {
    node_process node(dir / "data", dir / "node1.log");
    node.proc.signal(SIGINT);
    REQUIRE(node.proc.wait(30s) == 0);
  }
  node_process again(dir / "data", dir / "node2.log");
  CHECK(http_request(again.port, "GET", "/health/live").status == 200);
  again.proc.signal(SIGTERM);
  CHECK(again.proc.wait(30s) == 0);
}

TEST_CASE("HTTP/1.1 connections stay open without a Connection header") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log");
  http_connection c("127.0.0.1", node.port);
  for (int i = 0; i < 5; ++i) {
    auto r = c.request("GET", "/health/live");
    CHECK(r.status == 200);
    CHECK(r.header("connection") != "Close");
  }
  CHECK_FALSE(c.closed_by_peer());
  auto last = c.request("GET", "/health/live", {{"Connection", "close"}});
  CHECK(last.status == 200);
  CHECK(last.header("connection") == "Close");  // the client asked to close
}

TEST_CASE("unknown routes get a problem+json 404") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log");
  auto r = http_request(node.port, "GET", "/no/such/route");
  CHECK(r.status == 404);
  CHECK(r.header("content-type") == "application/problem+json");
  auto body = nlohmann::json::parse(r.body);
  CHECK(body["status"] == 404);
  CHECK(body["title"].is_string());
  CHECK(body["detail"].get<std::string>().find("/no/such/route") != std::string::npos);
}

TEST_CASE("logs are JSON lines") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log");
  node.proc.signal(SIGTERM);
  REQUIRE(node.proc.wait(30s) == 0);
  std::istringstream lines(node.proc.output());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);  // throws if a line is not JSON
    CHECK(j.contains("level"));
    CHECK(j.contains("msg"));
    ++n;
  }
  CHECK(n >= 3);
}

TEST_CASE("a data directory with another shard count is refused with what to do") {
  temp_dir dir;
  {
    node_process node(dir / "data", dir / "node1.log");
    node.proc.signal(SIGTERM);
    REQUIRE(node.proc.wait(30s) == 0);
  }
  process p(MERCATOD_PATH, {"--data-dir", (dir / "data").string(), "--listen", "127.0.0.1:0"},
            {{"MERCATO_STORAGE_SHARDS", "16"}}, dir / "node2.log");
  auto code = p.wait(30s);
  REQUIRE(code);
  CHECK(*code == 1);
  CHECK(p.output().find("storage.shards: 64") != std::string::npos);
}

TEST_CASE("a data directory in use by another node is refused") {
  temp_dir dir;
  node_process first(dir / "data", dir / "node1.log");
  process second(MERCATOD_PATH, {"--data-dir", (dir / "data").string(), "--listen", "127.0.0.1:0"}, {},
                 dir / "node2.log");
  REQUIRE(second.wait(30s) == 1);
  CHECK(second.output().find("in use") != std::string::npos);
  CHECK(http_request(first.port, "GET", "/health/live").status == 200);
}

TEST_CASE("bad configuration exits 2 naming the key") {
  temp_dir dir;
  SUBCASE("bad value of a known MERCATO_ variable") {
    process p(MERCATOD_PATH, {"--data-dir", (dir / "d").string(), "--listen", "127.0.0.1:0"},
              {{"MERCATO_STORAGE_SHARDS", "abc"}, {"MERCATO_SERVICE_HOST", "10.0.0.1"}}, dir / "log");
    REQUIRE(p.wait(30s) == 2);
    CHECK(p.output().find("MERCATO_STORAGE_SHARDS") != std::string::npos);
    CHECK(p.output().find("storage.shards") != std::string::npos);
  }
  SUBCASE("bad listen address") {
    process p(MERCATOD_PATH, {"--listen", "nowhere"}, {}, dir / "log");
    REQUIRE(p.wait(30s) == 2);
    CHECK(p.output().find("listen") != std::string::npos);
  }
  SUBCASE("unknown YAML key") {
    std::ofstream(dir / "c.yaml") << "storage:\n  shardz: 3\n";
    process p(MERCATOD_PATH, {"--config", (dir / "c.yaml").string()}, {}, dir / "log");
    REQUIRE(p.wait(30s) == 2);
    CHECK(p.output().find("storage.shardz") != std::string::npos);
  }
  SUBCASE("missing config file") {
    process p(MERCATOD_PATH, {"--config", (dir / "missing.yaml").string()}, {}, dir / "log");
    REQUIRE(p.wait(30s) == 2);
  }
  SUBCASE("unknown flag") {
    process p(MERCATOD_PATH, {"--frobnicate"}, {}, dir / "log");
    REQUIRE(p.wait(30s) == 2);
  }
  CHECK_FALSE(std::filesystem::exists(dir / "d"));
}

TEST_CASE("unknown MERCATO_ variables (Kubernetes service links) are logged once and the node starts") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {},
                    {{"MERCATO_SERVICE_HOST", "10.0.0.1"}, {"MERCATO_PORT_8080_TCP_ADDR", "10.0.0.1"}});
  auto r = http_request(node.port, "GET", "/health/live");
  CHECK(r.status == 200);
  node.proc.signal(SIGTERM);
  REQUIRE(node.proc.wait(30s) == 0);  // the log is complete: every line whole

  std::istringstream lines(node.proc.output());
  std::string line;
  std::vector<nlohmann::json> naming;  // log lines that name the variables
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["msg"].get<std::string>().find("MERCATO_SERVICE_HOST") != std::string::npos) naming.push_back(j);
  }
  REQUIRE(naming.size() == 1);
  const auto msg = naming.front()["msg"].get<std::string>();
  INFO(msg);
  CHECK(naming.front()["level"].get<std::string>().starts_with("warn"));
  CHECK(msg.find("MERCATO_PORT_8080_TCP_ADDR") != std::string::npos);
  CHECK(msg.find("10.0.0.1") == std::string::npos);  // names only, never values
}

TEST_CASE("--version and --help exit 0") {
  temp_dir dir;
  process v(MERCATOD_PATH, {"--version"}, {}, dir / "v.log");
  REQUIRE(v.wait(30s) == 0);
  CHECK(v.output().find("mercatod") != std::string::npos);
  process h(MERCATOD_PATH, {"--help"}, {}, dir / "h.log");
  REQUIRE(h.wait(30s) == 0);
  CHECK(h.output().find("--data-dir") != std::string::npos);
}

TEST_CASE("a port in use is a clear start-up failure") {
  temp_dir dir;
  node_process first(dir / "a", dir / "a.log");
  process second(MERCATOD_PATH,
                 {"--data-dir", (dir / "b").string(), "--listen", "127.0.0.1:" + std::to_string(first.port)},
                 {}, dir / "b.log");
  REQUIRE(second.wait(30s) == 1);
  CHECK(second.output().find("cannot listen") != std::string::npos);
}

TEST_CASE("the dev profile seeds demo data once, into an empty directory only") {
  temp_dir dir;
  {
    node_process node(dir / "data", dir / "node1.log", {"--profile", "dev"});
    CHECK(node.proc.output().find("demo data created: 12 products") != std::string::npos);
    node.proc.signal(SIGTERM);
    REQUIRE(node.proc.wait(30s) == 0);
  }
  {
    node_process again(dir / "data", dir / "node2.log", {"--profile", "dev"});
    CHECK(again.proc.output().find("demo data created") == std::string::npos);
    again.proc.signal(SIGTERM);
    REQUIRE(again.proc.wait(30s) == 0);
  }
  node_process prod(dir / "prod", dir / "node3.log", {"--profile", "prod"},
                    {{"JWT_SECRET", "prod-secret-0123456789abcdef0123456789abcdef"}});
  CHECK(prod.proc.output().find("demo data created") == std::string::npos);
}

TEST_CASE("the prod profile refuses to start without a JWT secret of at least 32 bytes") {
  temp_dir dir;
  process none(MERCATOD_PATH,
               {"--data-dir", (dir / "a").string(), "--listen", "127.0.0.1:0", "--profile", "prod"}, {},
               dir / "a.log");
  REQUIRE(none.wait(30s) == 1);
  CHECK(none.output().find("JWT_SECRET") != std::string::npos);
  process short_secret(MERCATOD_PATH,
                       {"--data-dir", (dir / "b").string(), "--listen", "127.0.0.1:0", "--profile", "prod"},
                       {{"JWT_SECRET", "too-short"}}, dir / "b.log");
  REQUIRE(short_secret.wait(30s) == 1);
  CHECK(short_secret.output().find("too-short") == std::string::npos);  // never logged
}
