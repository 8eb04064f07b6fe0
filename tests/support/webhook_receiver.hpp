#pragma once
// A real HTTP/1.1 webhook receiver on a loopback port for tests: one thread, one request
// per connection (answers with Connection: close). It verifies every request's
// Mercato-Signature with the shared secret on its own (libsodium HMAC-SHA256, not the
// code under test), records what it saw, and answers by a script so tests can fail on
// purpose: HTTP 500, a connection closed without an answer, or no answer at all (the
// client's timeout fires), then recover.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mercato::test {

class webhook_receiver {
 public:
  enum class reply { ok, error_500, close, hang };

  struct request {
    std::string path;
    std::string delivery_id;  ///< Mercato-Delivery-Id
    std::string body;
    std::string timestamp;      ///< Mercato-Timestamp
    std::string signature;      ///< Mercato-Signature
    int attempt = 0;            ///< Mercato-Attempt
    bool signature_ok = false;  ///< t= matches the timestamp and v1= is HMAC(secret, t.body)
    reply answered = reply::ok;
  };

  /// Listens on 127.0.0.1 on a free port; answers `ok` until scripted otherwise.
  explicit webhook_receiver(std::string secret);
  ~webhook_receiver();
  webhook_receiver(const webhook_receiver&) = delete;
  webhook_receiver& operator=(const webhook_receiver&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// "http://127.0.0.1:<port><path>"
  std::string url(std::string_view path) const;

  /// The next requests are answered with `first`, one each, then every one with `then`.
  void script(std::vector<reply> first, reply then = reply::ok);
  /// Closes the connections left hanging (their clients see the connection drop).
  void release_hanging();

  std::vector<request> requests() const;
  /// Waits until `done(requests())` holds; false after `timeout`.
  bool wait_for(const std::function<bool(const std::vector<request>&)>& done,
                std::chrono::milliseconds timeout) const;

 private:
  void run();
  void serve(int fd);
  reply next_reply();

  std::string secret_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<reply> script_;   // guarded by mutex_
  reply then_ = reply::ok;     // guarded by mutex_
  std::vector<request> seen_;  // guarded by mutex_
  std::vector<int> hanging_;   // guarded by mutex_
  bool stop_ = false;          // guarded by mutex_
  std::thread thread_;
};

}  // namespace mercato::test
