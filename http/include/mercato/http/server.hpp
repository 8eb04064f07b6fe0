#pragma once
// The HTTP front of a node. Pistache stays inside http/src (its headers define macros such
// as NAME and CAT); this header is safe to include anywhere.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <mercato/common/result.hpp>
#include <mercato/http/api.hpp>
#include <mercato/http/openapi.hpp>

namespace mercato::http {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0 picks a free port; port() tells which
  unsigned threads = 2;
  std::size_t max_request_bytes = 1u << 20;
  std::chrono::seconds keepalive_timeout{30};
};

class server {
 public:
  /// Binds and starts serving on background threads. Fails with a message (e.g. address
  /// in use) instead of throwing.
  static result<std::unique_ptr<server>, std::string> start(const server_options& options,
                                                            api_dependencies deps, api_options api = {});
  /// shutdown(), then releases everything.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Every (method, path template) the server registers, sorted, in OpenAPI's `{param}`
  /// form (compared with openapi_routes() by a test).
  static std::vector<route_key> route_list();

  /// The bound port (useful when options.port was 0).
  std::uint16_t port() const noexcept;
  /// Graceful stop: new requests get 503, requests in flight are answered (each within
  /// api_options.request_timeout), then the listener and connections close. Idempotent.
  void shutdown();
  /// Requests received and not answered yet.
  std::size_t in_flight() const noexcept;

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace mercato::http
