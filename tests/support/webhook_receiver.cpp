#include "webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include <sodium.h>

namespace mercato::test {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The value of header `name` (case-insensitive) in a raw header block, "" if absent.
std::string header(std::string_view head, std::string_view name) {
  const std::string want = lower(name) + ":";
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    const auto line = head.substr(pos, end - pos);
    if (lower(line.substr(0, want.size())) == want) {
      auto v = line.substr(want.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      return std::string(v);
    }
    pos = end + 2;
  }
  return "";
}

/// Independent check of "t=<ts>,v1=<hex>" against HMAC-SHA256(secret, ts + "." + body).
bool signature_valid(const std::string& secret, const std::string& ts, const std::string& sig,
                     const std::string& body) {
  const std::string expected_prefix = "t=" + ts + ",v1=";
  if (ts.empty() || sig.rfind(expected_prefix, 0) != 0) return false;
  const std::string message = ts + "." + body;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return sig.substr(expected_prefix.size()) == hex;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

webhook_receiver::webhook_receiver(std::string secret) : secret_(std::move(secret)) {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("bind/listen on 127.0.0.1 failed");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

webhook_receiver::~webhook_receiver() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  thread_.join();
  release_hanging();
  ::close(listen_fd_);
}

std::string webhook_receiver::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void webhook_receiver::script(std::vector<reply> first, reply then) {
  std::lock_guard lock(mutex_);
  script_.assign(first.begin(), first.end());
  then_ = then;
}

void webhook_receiver::release_hanging() {
  std::vector<int> fds;
  {
    std::lock_guard lock(mutex_);
    fds.swap(hanging_);
  }
  for (int fd : fds) ::close(fd);
}

std::vector<webhook_receiver::request> webhook_receiver::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

bool webhook_receiver::wait_for(const std::function<bool(const std::vector<request>&)>& done,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(seen_); });
}

webhook_receiver::reply webhook_receiver::next_reply() {
  if (script_.empty()) return then_;
  const auto r = script_.front();
  script_.pop_front();
  return r;
}

void webhook_receiver::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd >= 0) serve(fd);
  }
}

void webhook_receiver::serve(int fd) {
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string in;
  char buf[4096];
  std::size_t head_end = std::string::npos;
  std::size_t need = 0;
  for (;;) {
    if (head_end == std::string::npos) {
      head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos)
        need = head_end + 4 +
               std::stoul("0" + header(std::string_view(in).substr(0, head_end), "Content-Length"));
    }
    if (head_end != std::string::npos && in.size() >= need) break;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(fd);  // the client went away before a whole request
      return;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  const std::string_view head = std::string_view(in).substr(0, head_end);
  request r;
  const auto first_space = head.find(' ');
  r.path = std::string(head.substr(first_space + 1, head.find(' ', first_space + 1) - first_space - 1));
  r.delivery_id = header(head, "Mercato-Delivery-Id");
  r.timestamp = header(head, "Mercato-Timestamp");
  r.signature = header(head, "Mercato-Signature");
  const auto attempt = header(head, "Mercato-Attempt");
  r.attempt = attempt.empty() ? 0 : std::stoi(attempt);
  r.body = in.substr(head_end + 4, need - head_end - 4);
  r.signature_ok = signature_valid(secret_, r.timestamp, r.signature, r.body);
  {
    std::lock_guard lock(mutex_);
    r.answered = next_reply();
    seen_.push_back(r);
    if (r.answered == reply::hang) hanging_.push_back(fd);
  }
  switch (r.answered) {
    case reply::ok:
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      break;
    case reply::error_500:
      send_all(fd,
               "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom");
      break;
    case reply::close:
    case reply::hang:
      break;
  }
  if (r.answered != reply::hang) ::close(fd);
  changed_.notify_all();
}

}  // namespace mercato::test
