#pragma once
// Shared by the storefront API's end-to-end tests: a mercatod with a known JWT secret,
// JSON requests with a bearer token, tokens minted for any subject (admin included).
#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mercato/common/clock.hpp>
#include <mercato/http/jwt.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

namespace mercato::test {

inline const std::string test_jwt_secret = "e2e-secret-0123456789abcdef0123456789abcdef";

/// Environment of a node under test: known JWT secret, rate limits high enough not to
/// interfere (tests of the limits pass their own), plus `extra`.
inline std::map<std::string, std::string> api_env(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env{{"JWT_SECRET", test_jwt_secret},
                                         {"MERCATO_HTTP_RATE_LIMIT_GENERAL_PER_MINUTE", "1000000"},
                                         {"MERCATO_HTTP_RATE_LIMIT_AUTH_PER_HOUR", "1000000"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

inline http::jwt_settings test_jwt_settings() {
  http::jwt_settings s;
  s.secret = test_jwt_secret;
  s.issuer = "mercato";
  s.audience = "mercato-storefront";
  s.lifetime = std::chrono::hours(1);
  return s;
}

/// A token signed like the node's own for `user` with `role`, optionally with other
/// settings (wrong audience, other secret) or another clock (expired).
inline std::string mint_token(const std::string& user, const std::string& role,
                              http::jwt_settings settings = test_jwt_settings(),
                              clock_fn now = system_now_ns) {
  http::jwt_codec codec(std::move(settings), std::move(now));
  auto t = codec.issue({user, role, std::nullopt});
  if (!t) throw std::runtime_error("cannot mint a token: " + t.error());
  return t->access_token;
}

struct api_result {
  http_response raw;
  nlohmann::json body;  ///< parsed body (null when empty or not JSON)
  int status() const { return raw.status; }
  std::string header(const std::string& name) const { return raw.header(name); }
  nlohmann::json& data() { return body["data"]; }
};

/// JSON requests over one keep-alive connection.
class api_client {
 public:
  explicit api_client(std::uint16_t port) : conn_("127.0.0.1", port) {}

  api_result call(const std::string& method, const std::string& target, const std::string& token = {},
                  const std::string& body = {}, std::map<std::string, std::string> headers = {}) {
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!body.empty() && !headers.count("Content-Type")) headers["Content-Type"] = "application/json";
    api_result r{conn_.request(method, target, headers, body), nullptr};
    if (!r.raw.body.empty()) r.body = nlohmann::json::parse(r.raw.body, nullptr, false);
    return r;
  }
  api_result get(const std::string& target, const std::string& token = {}) {
    return call("GET", target, token);
  }
  api_result post(const std::string& target, const nlohmann::json& body, const std::string& token = {},
                  std::map<std::string, std::string> headers = {}) {
    return call("POST", target, token, body.dump(), std::move(headers));
  }
  api_result put(const std::string& target, const nlohmann::json& body, const std::string& token = {}) {
    return call("PUT", target, token, body.dump());
  }
  api_result del(const std::string& target, const std::string& token = {}) {
    return call("DELETE", target, token);
  }

  /// Registers a customer; returns its access token (checks the 201 shape).
  std::string register_user(const std::string& email, const std::string& password = "Password123!") {
    auto r =
        post("/api/v1/auth/register", {{"email", email}, {"password", password}, {"displayName", "Test"}});
    if (r.status() != 201) throw std::runtime_error("register failed: " + r.raw.body);
    return r.data()["accessToken"].get<std::string>();
  }
  std::string login(const std::string& email, const std::string& password = "Password123!") {
    auto r = post("/api/v1/auth/login", {{"email", email}, {"password", password}});
    if (r.status() != 200) throw std::runtime_error("login failed: " + r.raw.body);
    return r.data()["accessToken"].get<std::string>();
  }
  /// Events in the log now (from /health).
  std::uint64_t log_head() {
    auto r = get("/health");
    return r.body["storage"]["events"].get<std::uint64_t>();
  }

 private:
  http_connection conn_;
};

/// The node's access-log lines (JSON) of the request with `request_id`: one per answer.
inline std::vector<nlohmann::json> access_lines(const process& node, const std::string& request_id) {
  std::vector<nlohmann::json> found;
  std::istringstream lines(node.output());
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == "http_request" && j.value("request_id", "") == request_id)
      found.push_back(std::move(j));
  }
  return found;
}

/// Counts what a node is handling, from the http_requests_in_flight gauge of /metrics. A
/// scrape's answer can reach the client before the server has counted that request
/// finished, so each scrape first waits for the previous one's access-log line (written
/// after the count went down): a count never includes an earlier scrape.
class in_flight_probe {
 public:
  in_flight_probe(std::uint16_t port, const process& node) : api_(port), node_(node) {}

  /// Requests in flight besides this scrape.
  std::uint64_t others() {
    if (scrapes_ > 0) {
      const auto previous = "in-flight-probe-" + std::to_string(scrapes_ - 1);
      if (!wait_until([&] { return !access_lines(node_, previous).empty(); }))
        throw std::runtime_error("no access-log line for " + previous + ":\n" + node_.output());
    }
    const auto id = "in-flight-probe-" + std::to_string(scrapes_++);
    auto r = api_.call("GET", "/metrics", {}, {}, {{"X-Request-Id", id}});
    std::smatch m;
    if (r.status() != 200 ||
        !std::regex_search(r.raw.body, m, std::regex(R"((?:^|\n)http_requests_in_flight (\d+))")))
      throw std::runtime_error("no http_requests_in_flight in /metrics: " + r.raw.body.substr(0, 200));
    const auto all = std::stoull(m[1]);
    if (all == 0) throw std::runtime_error("http_requests_in_flight does not count the scrape itself");
    return all - 1;
  }

 private:
  api_client api_;
  const process& node_;
  std::uint64_t scrapes_ = 0;
};

/// Waits until every read model of the node has applied the whole log (each
/// mercato_projection_lag_events of /metrics is 0), so what the node seeded at start is
/// readable: the node listens before its projections have caught up. /metrics is not rate
/// limited, so this costs no test its request budget.
inline void wait_caught_up(std::uint16_t port) {
  api_client ops(port);
  std::string last;
  const bool caught_up = wait_until([&] {
    last = ops.get("/metrics").raw.body;
    static const std::regex lag(R"((?:^|\n)mercato_projection_lag_events\{[^}]*\} (\S+))");
    int projections = 0;
    for (auto it = std::sregex_iterator(last.begin(), last.end(), lag); it != std::sregex_iterator(); ++it) {
      ++projections;
      if ((*it)[1] != "0") return false;
    }
    return projections > 0;
  });
  if (!caught_up) throw std::runtime_error("the node's projections did not catch up:\n" + last);
}

/// One sample of the node's /metrics: `name_and_labels` as printed (`http_requests_in_flight`,
/// `mercato_auth_password_checks_total{outcome="shed"}`). Throws when absent.
inline double metric_value(std::uint16_t port, const std::string& name_and_labels) {
  api_client ops(port);
  const auto body = "\n" + ops.get("/metrics").raw.body;
  const auto at = body.find("\n" + name_and_labels + " ");
  if (at == std::string::npos) throw std::runtime_error("no " + name_and_labels + " in /metrics");
  return std::stod(body.substr(at + name_and_labels.size() + 2));
}

/// "?consistentWith=<token>" for a command's answer.
inline std::string consistent_with(const api_result& r) {
  auto t = r.header("x-consistency-token");
  return t.empty() ? std::string() : "?consistentWith=" + t;
}

}  // namespace mercato::test
