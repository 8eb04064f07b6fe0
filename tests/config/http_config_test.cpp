// The keys of the HTTP front: rate limits, CORS origins, the request timeout
// and the payment provider's webhook secret.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <mercato/config/config.hpp>

#include "load_helpers.hpp"
#include "temp_dir.hpp"

namespace cfg = mercato::config;
using namespace std::chrono_literals;
using mercato::test::contains;
using mercato::test::load_error;
using mercato::test::load_ok;

TEST_CASE("defaults: SPEC rate limits on, no CORS origin, 5 s timeout, no webhook secret") {
  const auto c = load_ok({});
  CHECK(c.http.rate_limit.enabled);
  CHECK(c.http.rate_limit.general_per_minute == 100);
  CHECK(c.http.rate_limit.auth_per_hour == 10);
  CHECK(c.http.cors_origins.empty());
  CHECK(c.http.request_timeout_ms == 5000ms);
  CHECK(c.payments.webhook_secret.empty());
}

TEST_CASE("rate limits and timeout from the environment and flags") {
  const auto c = load_ok({.env = {{"MERCATO_HTTP_RATE_LIMIT_ENABLED", "false"},
                                  {"MERCATO_HTTP_RATE_LIMIT_GENERAL_PER_MINUTE", "6000"},
                                  {"MERCATO_HTTP_RATE_LIMIT_AUTH_PER_HOUR", "1000"}},
                          .overrides = {{"http.request_timeout_ms", "250"}}});
  CHECK_FALSE(c.http.rate_limit.enabled);
  CHECK(c.http.rate_limit.general_per_minute == 6000);
  CHECK(c.http.rate_limit.auth_per_hour == 1000);
  CHECK(c.http.request_timeout_ms == 250ms);
}

TEST_CASE("bad rate-limit values are refused naming the key") {
  auto e = load_error({.overrides = {{"http.rate_limit.general_per_minute", "0"}}});
  CHECK(e.key == "http.rate_limit.general_per_minute");
  e = load_error({.env = {{"MERCATO_HTTP_RATE_LIMIT_ENABLED", "yes"}}});
  CHECK(contains(e.message, "http.rate_limit.enabled"));
  e = load_error({.overrides = {{"http.request_timeout_ms", "1.5"}}});
  CHECK(e.key == "http.request_timeout_ms");
}

TEST_CASE("cors_origins: * or a list of scheme://host[:port]") {
  auto c =
      load_ok({.env = {{"MERCATO_HTTP_CORS_ORIGINS", " https://shop.example.com , http://localhost:3000"}}});
  CHECK(c.http.cors_origins == std::vector<std::string>{"https://shop.example.com", "http://localhost:3000"});
  c = load_ok({.overrides = {{"http.cors_origins", "*"}}});
  CHECK(c.http.cors_origins == std::vector<std::string>{"*"});
  c = load_ok({.overrides = {{"http.cors_origins", ""}}});
  CHECK(c.http.cors_origins.empty());
}

TEST_CASE("cors_origins refuses paths, other schemes, duplicates and * mixed with origins") {
  for (const char* bad :
       {"https://shop.example.com/", "https://shop.example.com/path", "ftp://shop.example.com",
        "shop.example.com", "https://a.example,https://a.example", "*,https://a.example",
        "https://user@a.example", "https://a.example,,https://b.example", "https://a.example:99999"}) {
    CAPTURE(bad);
    const auto e = load_error({.overrides = {{"http.cors_origins", bad}}});
    CHECK(e.key == "http.cors_origins");
  }
}

TEST_CASE("payments.webhook_secret is read and never printed") {
  const auto c = load_ok({.env = {{"MERCATO_PAYMENTS_WEBHOOK_SECRET", "whsec_topsecret"}}});
  CHECK(c.payments.webhook_secret == "whsec_topsecret");
  const std::string line = cfg::describe(c);
  CHECK_FALSE(contains(line, "whsec_topsecret"));
  CHECK(contains(line, "payments.webhook_secret=(set)"));
}

TEST_CASE("YAML: rate_limit nests under http; cors_origins is one comma-separated value") {
  mercato::test::temp_dir dir;
  const auto file = dir / "mercato.yaml";
  std::ofstream(file) << "http:\n"
                         "  rate_limit:\n"
                         "    enabled: false\n"
                         "    auth_per_hour: 50\n"
                         "  cors_origins: https://a.example, https://b.example:8443\n"
                         "  request_timeout_ms: 1000\n"
                         "payments:\n"
                         "  webhook_secret: whsec_abc\n";
  const auto c = load_ok({.file = file});
  CHECK_FALSE(c.http.rate_limit.enabled);
  CHECK(c.http.rate_limit.auth_per_hour == 50);
  CHECK(c.http.rate_limit.general_per_minute == 100);
  CHECK(c.http.cors_origins == std::vector<std::string>{"https://a.example", "https://b.example:8443"});
  CHECK(c.http.request_timeout_ms == 1000ms);
  CHECK(c.payments.webhook_secret == "whsec_abc");

  std::ofstream(file) << "http:\n  rate_limit:\n    enabeld: false\n";
  const auto e = load_error({.file = file});
  CHECK(contains(e.message, "http.rate_limit.enabeld"));
}
