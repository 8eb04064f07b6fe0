// The notifications.* keys (webhook delivery, projections/outbox.hpp): defaults, the URL
// list rule, the secret being required with URLs and hidden, the backoff bounds.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/config/config.hpp>

#include "load_helpers.hpp"

namespace cfg = mercato::config;
using namespace std::chrono_literals;
using mercato::test::contains;
using mercato::test::load_error;
using mercato::test::load_ok;

namespace {

const std::string secret_env = "MERCATO_NOTIFICATIONS_WEBHOOK_SECRET";
const std::string urls_env = "MERCATO_NOTIFICATIONS_WEBHOOK_URLS";

}  // namespace

TEST_CASE("defaults: no webhooks, documented retry schedule") {
  const auto c = load_ok({});
  CHECK(c.notifications.webhook_urls.empty());
  CHECK(c.notifications.webhook_secret.empty());
  CHECK(c.notifications.max_attempts == 15);
  CHECK(c.notifications.backoff_initial_ms == 1000ms);
  CHECK(c.notifications.backoff_max_ms == 3600000ms);
  CHECK(c.notifications.timeout_ms == 5000ms);
}

TEST_CASE("every key has its MERCATO_NOTIFICATIONS_ variable") {
  std::vector<std::string> names;
  for (const auto& k : cfg::known_keys())
    if (k.path.starts_with("notifications.")) names.push_back(k.env_names.front());
  CHECK(names == std::vector<std::string>{urls_env, secret_env, "MERCATO_NOTIFICATIONS_MAX_ATTEMPTS",
                                          "MERCATO_NOTIFICATIONS_BACKOFF_INITIAL_MS",
                                          "MERCATO_NOTIFICATIONS_BACKOFF_MAX_MS",
                                          "MERCATO_NOTIFICATIONS_TIMEOUT_MS"});
}

TEST_CASE("webhook_urls: a comma-separated list of http(s) URLs") {
  const auto c = load_ok(
      {.env = {{urls_env, " http://127.0.0.1:9000/hook , https://example.com/a?b=c,http://[::1]:80/x"},
               {secret_env, "s3cret"},
               {"MERCATO_NOTIFICATIONS_MAX_ATTEMPTS", "3"},
               {"MERCATO_NOTIFICATIONS_BACKOFF_INITIAL_MS", "10"},
               {"MERCATO_NOTIFICATIONS_BACKOFF_MAX_MS", "40"},
               {"MERCATO_NOTIFICATIONS_TIMEOUT_MS", "250"}}});
  CHECK(c.notifications.webhook_urls == std::vector<std::string>{"http://127.0.0.1:9000/hook",
                                                                 "https://example.com/a?b=c",
                                                                 "http://[::1]:80/x"});
  CHECK(c.notifications.webhook_secret == "s3cret");
  CHECK(c.notifications.max_attempts == 3);
  CHECK(c.notifications.backoff_initial_ms == 10ms);
  CHECK(c.notifications.backoff_max_ms == 40ms);
  CHECK(c.notifications.timeout_ms == 250ms);
  CHECK(load_ok({.overrides = {{"notifications.webhook_urls", "  "}}}).notifications.webhook_urls.empty());
}

TEST_CASE("bad URLs are refused naming the key and which URL") {
  struct bad {
    std::string text;
    std::string problem;
  };
  const bad cases[] = {
      {"ftp://example.com/x", "URL 1 that does not start with http:// or https://"},
      {"http://a.example/x,example.com", "URL 2 that does not start with http"},
      {"http:///path", "URL 1 that has no host"},
      {"http://exa mple.com", "URL 1 that has a space"},
      {"http://host_name/x", "malformed host"},
      {"http://127.0.0.1:0/x", "port"},
      {"http://127.0.0.1:99999/x", "port"},
      {"http://127.0.0.1:/x", "port"},
      {"http://[::1/x", "IPv6"},
      {"http://a.example,,http://b.example", "empty entry"},
      {"http://a.example/x,http://a.example/x", "URL 2 twice"},
  };
  for (const auto& b : cases) {
    CAPTURE(b.text);
    const auto e = load_error(
        {.overrides = {{"notifications.webhook_urls", b.text}, {"notifications.webhook_secret", "s"}}});
    INFO(e.message);
    CHECK(e.key == "notifications.webhook_urls");
    CHECK(contains(e.message, b.problem));
    CHECK(contains(e.message, "accepted"));
  }
}

TEST_CASE("the secret is required with URLs, and never shown") {
  const auto e = load_error({.env = {{urls_env, "http://127.0.0.1:9/x"}}});
  INFO(e.message);
  CHECK(e.key == "notifications.webhook_secret");
  CHECK(contains(e.message, "required when notifications.webhook_urls is set"));
  CHECK(contains(e.message, secret_env));

  const auto bad = load_error({.env = {{urls_env, "nope"}, {secret_env, "hunter2-secret"}}});
  CHECK_FALSE(contains(bad.message, "hunter2-secret"));
  const auto c = load_ok({.env = {{urls_env, "http://127.0.0.1:9/x"}, {secret_env, "hunter2-secret"}}});
  const auto line = cfg::describe(c);
  CHECK(contains(line, "notifications.webhook_secret=(set)"));
  CHECK(contains(line, "notifications.webhook_urls=http://127.0.0.1:9/x"));
  CHECK_FALSE(contains(line, "hunter2-secret"));
}

TEST_CASE("retry settings: ranges and initial <= max") {
  CHECK(load_error({.overrides = {{"notifications.max_attempts", "0"}}}).key == "notifications.max_attempts");
  CHECK(load_error({.overrides = {{"notifications.timeout_ms", "99"}}}).key == "notifications.timeout_ms");
  const auto e = load_error({.overrides = {{"notifications.backoff_initial_ms", "5000"},
                                           {"notifications.backoff_max_ms", "4000"}}});
  INFO(e.message);
  CHECK(e.key == "notifications.backoff_max_ms");
  CHECK(contains(e.message, "notifications.backoff_initial_ms"));
}
