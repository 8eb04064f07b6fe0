#pragma once
// A minimal HTTP/1.1 client over one TCP connection, for end-to-end tests: sends exactly
// the headers it is given (no implicit Connection header), reads Content-Length bodies.
#include <cstdint>
#include <map>
#include <string>

namespace mercato::test {

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class http_connection {
 public:
  http_connection(const std::string& host, std::uint16_t port);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  http_response request(const std::string& method, const std::string& target,
                        const std::map<std::string, std::string>& headers = {}, const std::string& body = {});
  /// The two halves of request(): send without waiting, then read one response.
  void send_request(const std::string& method, const std::string& target,
                    const std::map<std::string, std::string>& headers = {}, const std::string& body = {});
  http_response read_response();
  /// True when the server has closed the connection (a read returns EOF).
  bool closed_by_peer();

 private:
  int fd_ = -1;
  std::string buffer_;
};

/// One request on a fresh connection.
http_response http_request(std::uint16_t port, const std::string& method, const std::string& target,
                           const std::map<std::string, std::string>& headers = {},
                           const std::string& body = {});

}  // namespace mercato::test
