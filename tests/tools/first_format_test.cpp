// A data directory written by the code of the first envelope form (the event union embedded
// in every envelope, before events became opaque payloads; tests/fixtures/) opens and reads
// the same with today's code: the tool exports the same NDJSON and shows the same entity
// states as that code did, a node serves it, and new events appended beside the old ones
// read back alike.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using namespace mercato;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct run_result {
  int code = -1;
  std::string output;
};

run_result run(const std::filesystem::path& log, const std::string& program,
               const std::vector<std::string>& args) {
  test::process p(program, args, {}, log);
  auto code = p.wait(300s);
  REQUIRE_MESSAGE(code, "timed out: " << program);
  return {*code, p.output()};
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// True when every member of `old` is in `now` with the same value (recursively): what that
/// code showed is still shown; fields added to the schema since may come in addition. The
/// fold's own version (stateVersion) is not data: it rises when an entity's apply changes.
bool contains(const json& now, const json& old) {
  if (!old.is_object()) return now == old;
  if (!now.is_object()) return false;
  for (auto it = old.begin(); it != old.end(); ++it) {
    if (it.key() == "stateVersion") continue;
    if (!now.contains(it.key()) || !contains(now[it.key()], it.value())) return false;
  }
  return true;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

/// The fixture unpacked into a fresh directory: data/, export.ndjson, state-*.json, order1.
struct fixture {
  test::temp_dir dir;
  fixture() {
    auto r = run(dir / "tar.log", "/bin/tar", {"-xzf", FIXTURE_TAR, "-C", dir.path().string()});
    REQUIRE_MESSAGE(r.code == 0, r.output);
    REQUIRE(std::filesystem::exists(dir / "data" / "CURRENT"));
  }
};

}  // namespace

TEST_CASE("the tool exports a first-form directory exactly as the code that wrote it did") {
  fixture fx;
  const auto out = fx.dir / "today.ndjson";
  auto r =
      run(fx.dir / "export.log", MERCATO_TOOL_PATH,
          {"events", "export", "-d", (fx.dir / "data").string(), "-f", "ndjson", "-q", "-o", out.string()});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto expected = slurp(fx.dir / "export.ndjson");
  REQUIRE_FALSE(expected.empty());
  CHECK(slurp(out) == expected);  // byte for byte, every envelope field and every event's data
}

TEST_CASE("entity states folded from first-form events are the ones that code showed") {
  // Every field that code showed, with the same value (fields added to the schemas since,
  // such as a cart's updatedAtNs, come in addition).
  fixture fx;
  int states = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fx.dir.path())) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with("state-")) continue;
    // state-<kind>_<id>.json, written for the stream <kind>/<id>
    auto stream = name.substr(6, name.size() - 6 - 5);
    stream[stream.find('_')] = '/';
    CAPTURE(stream);
    auto r = run(fx.dir / "state.log", MERCATO_TOOL_PATH,
                 {"entity", "state", "-d", (fx.dir / "data").string(), stream});
    REQUIRE_MESSAGE(r.code == 0, r.output);
    const auto now = json::parse(r.output), then = json::parse(slurp(entry.path()));
    CHECK_MESSAGE(contains(now, then), "now: " << now.dump() << "\nthen: " << then.dump());
    ++states;
  }
  CHECK(states == 7);
}

TEST_CASE("a node serves a first-form directory and appends beside the old events") {
  fixture fx;
  const auto order1 = trimmed(slurp(fx.dir / "order1"));
  {
    test::node_process node(fx.dir / "data", fx.dir / "node.log", {"--profile", "dev"});
    auto login =
        test::http_request(node.port, "POST", "/api/v1/auth/login", {{"Content-Type", "application/json"}},
                           R"({"email":"bob@example.com","password":"Password123!"})");
    REQUIRE(login.status == 200);
    const auto token = json::parse(login.body)["data"]["accessToken"].get<std::string>();
    const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token},
                                                  {"Content-Type", "application/json"}};
    // The entities rebuilt from first-form events (and that era's snapshots).
    auto order = test::http_request(node.port, "GET", "/api/v1/orders/" + order1, auth);
    REQUIRE(order.status == 200);
    CHECK(json::parse(order.body)["data"]["status"] == "refunded");
    auto product = test::http_request(node.port, "GET", "/api/v1/products/prod-fx1");
    REQUIRE(product.status == 200);
    CHECK(json::parse(product.body)["data"]["name"] == "Fixture kettle II");
    // A new event on a stream whose history is in the first form.
    auto added = test::http_request(node.port, "POST", "/api/v1/cart/items", auth,
                                    R"({"productId":"prod-fx1","quantity":1})");
    REQUIRE(added.status == 201);
    auto items = json::parse(added.body)["data"]["items"];
    REQUIRE(items.size() == 1);
    CHECK(items[0]["productId"] == "prod-fx1");
    node.proc.signal(SIGTERM);
    REQUIRE(node.proc.wait(60s) == 0);
  }
  // The export now holds both forms and reads them alike: the old lines unchanged, then the new.
  const auto out = fx.dir / "after.ndjson";
  auto r =
      run(fx.dir / "export.log", MERCATO_TOOL_PATH,
          {"events", "export", "-d", (fx.dir / "data").string(), "-f", "ndjson", "-q", "-o", out.string()});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto before = slurp(fx.dir / "export.ndjson");
  const auto after = slurp(out);
  REQUIRE(after.size() > before.size());
  CHECK(after.substr(0, before.size()) == before);
  std::istringstream tail(after.substr(before.size()));
  bool saw_add = false;
  for (std::string line; std::getline(tail, line);) {
    auto e = json::parse(line);
    if (e["type"] == "CartItemAdded") {
      CHECK(e["data"]["productId"] == "prod-fx1");
      CHECK(e["data"]["unitPrice"]["currency"] == "EUR");
      saw_add = true;
    }
  }
  CHECK(saw_add);
}
