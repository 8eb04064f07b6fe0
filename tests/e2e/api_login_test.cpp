// End to end: login under load against the real mercatod. Password checks run on a bounded
// pool: a burst beyond its room is answered 503 + Retry-After at once, while the rest of the
// API keeps answering; a recent success is answered from the credential cache, a wrong
// password never is; a hash made with older Argon2id parameters is re-hashed at login and
// stored. Everything here waits for what it observes, never for a time.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <thread>
#include <variant>

#include <doctest/doctest.h>

#include <mercato/codec/codec.hpp>
#include <mercato/domain/password.hpp>
#include <mercato/eventstore/store.hpp>

#include "api_support.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;

namespace {

double checks(std::uint16_t port, const std::string& outcome) {
  return metric_value(port, "mercato_auth_password_checks_total{outcome=\"" + outcome + "\"}");
}

nlohmann::json login_body(const std::string& email, const std::string& password) {
  return {{"email", email}, {"password", password}};
}

/// The Argon2id parameters of the user's stored hash, read from the stopped node's log.
domain::argon2_params stored_params(const std::filesystem::path& data_dir, const std::string& user_id) {
  es::store_options o;
  o.data_dir = data_dir;
  o.read_only = true;
  auto store = es::event_store::open(o);
  REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
  auto events = (*store)->read_stream(*es::stream_id::make("user/" + user_id), es::stream_version{0},
                                      es::read_direction::backward, 1000);
  REQUIRE(events);
  for (const auto& e : *events) {  // newest first
    auto event = codec::decode_event(e);
    REQUIRE(event);
    std::string hash;
    if (auto* changed = std::get_if<domain::user_password_changed>(&*event)) hash = changed->password_hash;
    if (auto* registered = std::get_if<domain::user_registered>(&*event)) hash = registered->password_hash;
    if (hash.empty()) continue;
    auto params = domain::params_of(hash);
    REQUIRE(params);
    return *params;
  }
  FAIL("no password hash in the user's stream");
  return {};
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a burst of logins beyond the pool's room gets 503 + Retry-After at once; the node keeps serving") {
  temp_dir dir;
  // One thread, one waiting check, and checks slow enough (16 passes over 19 MiB) that a
  // burst sent at once finds the pool full.
  node_process node(dir / "data", dir / "node.log", {},
                    api_env({{"MERCATO_AUTH_VERIFY_THREADS", "1"},
                             {"MERCATO_AUTH_VERIFY_QUEUE_LENGTH", "1"},
                             {"MERCATO_AUTH_ARGON2_PASSES", "16"}}));
  wait_caught_up(node.port);
  api_client probe(node.port);
  constexpr int burst = 8;

  std::vector<api_result> refused;
  int rounds = 0;
  // A round is a burst of distinct checks (wrong passwords for the demo customer, and unknown
  // e-mails, which go through the same pool) sent together. With room for two, the others
  // are shed unless the pool drains between two sends, so a round or two shows it.
  REQUIRE_MESSAGE(wait_until([&] {
                    ++rounds;
                    std::vector<api_result> results(burst);
                    std::atomic<int> ready{0};
                    std::atomic<int> answered{0};
                    std::vector<std::thread> senders;
                    for (int i = 0; i < burst; ++i)
                      senders.emplace_back([&, i] {
                        api_client c(node.port);
                        const auto email = i % 2 == 0 ? std::string("test@example.com")
                                                      : "nobody" + std::to_string(i) + "@example.com";
                        ++ready;
                        while (ready.load() < burst) std::this_thread::yield();
                        results[static_cast<std::size_t>(i)] = c.post(
                            "/api/v1/auth/login", login_body(email, "Wrong-password-" + std::to_string(i)));
                        ++answered;
                      });
                    // While the pool is saturated, the rest of the API answers.
                    bool saturated = false;
                    wait_until([&] {
                      saturated = metric_value(node.port, "mercato_auth_password_checks_running") == 1 &&
                                  metric_value(node.port, "mercato_auth_password_checks_waiting") == 1;
                      return saturated || answered.load() == burst;
                    });
                    if (saturated) {
                      CHECK(probe.get("/health/live").status() == 200);
                      CHECK(probe.get("/api/v1/products/prod-001").status() == 200);
                    }
                    for (auto& t : senders) t.join();
                    for (auto& r : results) {
                      CHECK_MESSAGE((r.status() == 401 || r.status() == 503), r.raw.body);
                      if (r.status() == 503) refused.push_back(r);
                    }
                    return !refused.empty();
                  }),
                  "no login was ever shed in " << rounds << " bursts");
  for (const auto& r : refused) {
    CHECK(r.header("content-type") == "application/problem+json");
    REQUIRE(r.body.is_object());
    CHECK(r.body["status"] == 503);
    const auto retry = r.header("retry-after");
    REQUIRE_FALSE(retry.empty());
    CHECK(std::stoi(retry) >= 1);
  }
  CHECK(checks(node.port, "shed") >= static_cast<double>(refused.size()));
  // Nothing was left waiting: the pool drains, and a correct login gets in again.
  REQUIRE(wait_until([&] {
    return metric_value(node.port, "mercato_auth_password_checks_running") == 0 &&
           metric_value(node.port, "mercato_auth_password_checks_waiting") == 0;
  }));
  CHECK(probe.post("/api/v1/auth/login", login_body("test@example.com", "Password123!")).status() == 200);
  node.proc.signal(SIGTERM);
  CHECK(node.proc.wait(60s) == 0);
}

TEST_CASE("a recent successful login is answered from the cache; a wrong password never is") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env());
  wait_caught_up(node.port);
  api_client api(node.port);
  api.register_user("carol@example.com");

  REQUIRE(api.post("/api/v1/auth/login", login_body("carol@example.com", "Password123!")).status() == 200);
  const auto computed = checks(node.port, "computed");
  CHECK(checks(node.port, "cached") == 0);
  CHECK(metric_value(node.port, "mercato_auth_credential_cache_entries") == 1);

  // Again: no Argon2id, the same kind of answer.
  auto again = api.post("/api/v1/auth/login", login_body("carol@example.com", "Password123!"));
  REQUIRE(again.status() == 200);
  CHECK(again.data()["accessToken"].is_string());
  CHECK(checks(node.port, "cached") == 1);
  CHECK(checks(node.port, "computed") == computed);

  // A wrong password pays in full every time and never enters.
  for (int i = 0; i < 2; ++i)
    CHECK(api.post("/api/v1/auth/login", login_body("carol@example.com", "Password124!")).status() == 401);
  CHECK(checks(node.port, "computed") == computed + 2);
  CHECK(checks(node.port, "cached") == 1);
  node.proc.signal(SIGTERM);
  CHECK(node.proc.wait(60s) == 0);
}

TEST_CASE("auth.cache.ttl_seconds 0 turns the cache off") {
  temp_dir dir;
  node_process node(dir / "data", dir / "node.log", {}, api_env({{"MERCATO_AUTH_CACHE_TTL_SECONDS", "0"}}));
  wait_caught_up(node.port);
  api_client api(node.port);
  for (int i = 0; i < 2; ++i)
    REQUIRE(api.post("/api/v1/auth/login", login_body("test@example.com", "Password123!")).status() == 200);
  CHECK(checks(node.port, "cached") == 0);
  CHECK(checks(node.port, "computed") == 2);
  CHECK(metric_value(node.port, "mercato_auth_credential_cache_entries") == 0);
  node.proc.signal(SIGTERM);
  CHECK(node.proc.wait(60s) == 0);
}

TEST_CASE("a hash made with older parameters is re-hashed at login and stored") {
  temp_dir dir;
  const auto data = dir / "data";
  const std::map<std::string, std::string> old_cost{{"MERCATO_AUTH_ARGON2_MEMORY_KIB", "8"},
                                                    {"MERCATO_AUTH_ARGON2_PASSES", "1"}};
  const std::map<std::string, std::string> new_cost{{"MERCATO_AUTH_ARGON2_MEMORY_KIB", "64"},
                                                    {"MERCATO_AUTH_ARGON2_PASSES", "2"}};
  std::string user_id;
  {
    node_process node(data, dir / "old.log", {}, api_env(old_cost));
    api_client api(node.port);
    auto r = api.post("/api/v1/auth/register",
                      {{"email", "dave@example.com"}, {"password", "Password123!"}, {"displayName", "Dave"}});
    REQUIRE(r.status() == 201);
    user_id = r.data()["user"]["id"].get<std::string>();
    node.proc.signal(SIGTERM);
    REQUIRE(node.proc.wait(60s) == 0);
  }
  CHECK(stored_params(data, user_id) == domain::argon2_params{19, 8, 1, 1});

  {
    node_process node(data, dir / "new.log", {}, api_env(new_cost));
    api_client api(node.port);
    // A wrong password re-hashes nothing.
    CHECK(api.post("/api/v1/auth/login", login_body("dave@example.com", "Password124!")).status() == 401);
    auto ok = api.post("/api/v1/auth/login", login_body("dave@example.com", "Password123!"));
    REQUIRE(ok.status() == 200);
    CHECK(ok.data()["user"]["id"] == user_id);
    CHECK(count_of(node.proc.output(), "re-hashed with the node's Argon2id parameters") == 1);
    // The next login finds the new hash: answered from the cache, nothing re-hashed again.
    REQUIRE(api.post("/api/v1/auth/login", login_body("dave@example.com", "Password123!")).status() == 200);
    CHECK(checks(node.port, "cached") == 1);
    node.proc.signal(SIGTERM);
    REQUIRE(node.proc.wait(60s) == 0);
    CHECK(count_of(node.proc.output(), "re-hashed with the node's Argon2id parameters") == 1);
  }
  CHECK(stored_params(data, user_id) == domain::argon2_params{19, 64, 2, 1});

  // A node started afresh verifies the stored hash as it is: no re-hash, and the password holds.
  node_process node(data, dir / "again.log", {}, api_env(new_cost));
  api_client api(node.port);
  REQUIRE(api.post("/api/v1/auth/login", login_body("dave@example.com", "Password123!")).status() == 200);
  CHECK(checks(node.port, "computed") == 1);
  node.proc.signal(SIGTERM);
  REQUIRE(node.proc.wait(60s) == 0);
  CHECK(count_of(node.proc.output(), "re-hashed") == 0);
}
