#pragma once
// The HTTP front of a node. Pistache stays inside http/src (its headers define macros such
// as NAME and CAT); this header is safe to include anywhere.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <mercato/common/result.hpp>

namespace mercato::http {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0 picks a free port; port() tells which
  unsigned threads = 2;
  std::size_t max_request_bytes = 1u << 20;
  std::chrono::seconds keepalive_timeout{30};
};

/// What the operations routes ask of the node. Each hook is called on an HTTP thread and
/// must be quick and thread-safe.
struct node_probes {
  std::function<bool()> storage_healthy;  ///< storage open and the writer accepting appends
};

class server {
public:
  /// Binds and starts serving on background threads. Fails with a message (e.g. address
  /// in use) instead of throwing.
  static result<std::unique_ptr<server>, std::string> start(const server_options& options,
                                                            node_probes probes);
  /// Stops accepting, closes connections and joins the HTTP threads.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The bound port (useful when options.port was 0).
  std::uint16_t port() const noexcept;
  void shutdown();

  struct impl;

private:
  explicit server(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

} // namespace mercato::http
