#pragma once
// One HTTP request in flight, without Pistache: what route handlers see and how they
// answer. An exchange is answered exactly once: the first answer() wins (a handler, an
// actor callback on a CAF thread, the timeout timer or the shutdown drain); later ones
// are ignored. Handlers keep the exchange alive by holding its shared_ptr in callbacks.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mercato/http/problem.hpp>

namespace mercato::http::detail {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method;                          ///< "GET"
  std::string path;                            ///< without the query
  std::map<std::string, std::string> query;    ///< percent-decoded
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  std::string client_address;
  std::map<std::string, std::string> params;  ///< from the route template, decoded

  /// The header's value, or "" when absent. `name` in lower case.
  std::string header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
  }
  std::string param(std::string_view name) const {
    auto it = params.find(std::string(name));
    return it == params.end() ? std::string() : it->second;
  }
  std::optional<std::string> query_value(std::string_view name) const {
    auto it = query.find(std::string(name));
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  header_list headers;
};

/// Who is calling, from a verified bearer token.
struct principal {
  std::string user_id;
  bool admin = false;
};

class exchange : public std::enable_shared_from_this<exchange> {
 public:
  using sink = std::function<void(exchange&, response&&)>;

  exchange(request r, std::string request_id, sink s)
      : req_(std::move(r)),
        request_id_(std::move(request_id)),
        sink_(std::move(s)),
        started_(std::chrono::steady_clock::now()) {}

  const request& req() const noexcept { return req_; }
  request& mutable_req() noexcept { return req_; }
  const std::string& request_id() const noexcept { return request_id_; }
  std::chrono::steady_clock::time_point started() const noexcept { return started_; }

  /// The route template that matched ("/api/v1/orders/{id}"), for logs and metrics.
  std::string route = "unmatched";
  std::optional<principal> who;
  /// Extra headers added to whatever answer is sent (consistency token, CORS ...). Set
  /// them before anything can answer (i.e. before handing the exchange to an actor).
  header_list extra_headers;
  /// A held request (the live event feed) answers on its own schedule: the request timeout
  /// does not apply to it.
  bool long_poll = false;

  /// Sends `r` unless something already answered. True when this call answered.
  bool answer(response r) {
    bool expected = false;
    if (!answered_.compare_exchange_strong(expected, true)) return false;
    for (auto& h : extra_headers) r.headers.push_back(h);
    sink_(*this, std::move(r));
    sink_ = nullptr;
    return true;
  }
  bool answered() const noexcept { return answered_.load(); }
  int status() const noexcept { return status_; }
  void set_status(int s) noexcept { status_ = s; }

  // ---- conveniences ---------------------------------------------------------------------
  /// {"data": data}
  bool data(int status, nlohmann::json data, header_list headers = {}) {
    nlohmann::json body{{"data", std::move(data)}};
    return answer(response{status, "application/json",
                           body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                           std::move(headers)});
  }
  /// {"data": json}, `json` already being JSON text.
  bool data_text(int status, std::string_view json, header_list headers = {}) {
    std::string body;
    body.reserve(json.size() + 9);
    body += R"({"data":)";
    body += json;
    body += '}';
    return answer(response{status, "application/json", std::move(body), std::move(headers)});
  }
  /// RFC 7807 problem details (Retry-After / Allow / WWW-Authenticate headers from `p`).
  bool fail(const http::problem& p) {
    response r{p.status, std::string(problem_content_type), render(p), {}};
    if (p.retry_after_seconds) r.headers.emplace_back("Retry-After", std::to_string(*p.retry_after_seconds));
    if (!p.allow.empty()) {
      std::string allow;
      for (const auto& m : p.allow) allow += (allow.empty() ? "" : ", ") + m;
      r.headers.emplace_back("Allow", allow);
    }
    if (p.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return answer(std::move(r));
  }

 private:
  request req_;
  std::string request_id_;
  sink sink_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> answered_{false};
  int status_ = 0;
};

using exchange_ptr = std::shared_ptr<exchange>;

}  // namespace mercato::http::detail
