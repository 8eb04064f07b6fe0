#include "node_client.hpp"

#include <charconv>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "cli.hpp"

namespace mercato::tool {

namespace {

struct curl_handle {
  curl_handle() : h(curl_easy_init()) {
    if (!h) throw tool_error(exit_failure, "cannot initialise libcurl");
  }
  ~curl_handle() {
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
  }
  CURL* h;
  curl_slist* headers = nullptr;
};

void prepare(curl_handle& c, const node_target& node, const std::string& url) {
  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  if (!node.token.empty())
    c.headers = curl_slist_append(c.headers, ("Authorization: Bearer " + node.token).c_str());
  c.headers = curl_slist_append(c.headers, "Accept: application/json, text/event-stream");
}

std::string refusal(long status, const std::string& body, const std::string& url) {
  std::string detail;
  try {
    auto j = nlohmann::json::parse(body);
    if (j.contains("detail")) detail = j["detail"].get<std::string>();
  } catch (const std::exception&) {
  }
  std::string hint;
  if (status == 401) hint = " (give an admin token with --token or MERCATO_TOKEN)";
  if (status == 403) hint = " (the token's user is not an admin)";
  return "the node answered " + std::to_string(status) + " for " + url +
         (detail.empty() ? "" : ": " + detail) + hint;
}

size_t collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

}  // namespace

namespace {

/// One request with a JSON answer: the body when the status is `expected`, else tool_error.
std::string node_request(const node_target& node, const std::string& path, const char* post_body,
                         long expected, long timeout_ms) {
  curl_handle c;
  const auto url = node.base_url + path;
  prepare(c, node, url);
  if (post_body) {
    c.headers = curl_slist_append(c.headers, "Content-Type: application/json");
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, post_body);
  }
  std::string body;
  curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
  curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c.h, CURLOPT_TIMEOUT_MS, timeout_ms);
  const auto rc = curl_easy_perform(c.h);
  if (rc != CURLE_OK) throw tool_error(exit_failure, "cannot reach " + url + ": " + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
  if (status != expected) throw tool_error(exit_failure, refusal(status, body, url));
  return body;
}

}  // namespace

std::string node_get(const node_target& node, const std::string& path_and_query) {
  return node_request(node, path_and_query, nullptr, 200, 60000L);
}

std::string node_post(const node_target& node, const std::string& path, long expected) {
  return node_request(node, path, "{}", expected, 600000L);  // a backup may take minutes
}

namespace {

struct sse_parser {
  const std::function<bool(const sse_event&)>* on_event = nullptr;
  std::string pending;  // bytes not yet forming a whole line
  sse_event current;
  bool stopped = false;
  std::uint64_t retry_ms = 1000;
  long status = 0;
  std::string error_body;
  CURL* h = nullptr;

  void line(std::string_view l) {
    if (l.empty()) {  // dispatch
      if (!current.data.empty() || !current.id.empty()) {
        if (!current.data.empty() && current.data.back() == '\n') current.data.pop_back();
        if (!(*on_event)(current)) stopped = true;
      }
      current = {};
      return;
    }
    if (l.front() == ':') return;  // comment / keep-alive
    const auto colon = l.find(':');
    std::string_view field = l.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "retry") {
      std::uint64_t ms = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec == std::errc{} && end == value.data() + value.size()) retry_ms = ms;
    } else if (field == "id")
      current.id = value;
    else if (field == "event")
      current.event = value;
    else if (field == "data") {
      current.data += value;
      current.data.push_back('\n');
    }
  }
};

size_t on_sse_bytes(char* data, size_t size, size_t n, void* user) {
  auto* p = static_cast<sse_parser*>(user);
  if (p->status == 0) curl_easy_getinfo(p->h, CURLINFO_RESPONSE_CODE, &p->status);
  if (p->status != 200) {
    p->error_body.append(data, size * n);
    return size * n;
  }
  p->pending.append(data, size * n);
  std::size_t start = 0;
  for (std::size_t i; (i = p->pending.find('\n', start)) != std::string::npos; start = i + 1) {
    std::string_view l(p->pending.data() + start, i - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    p->line(l);
    if (p->stopped) return 0;  // abort the transfer
  }
  p->pending.erase(0, start);
  return interrupted.load() ? 0 : size * n;
}

int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return interrupted.load() ? 1 : 0;
}

}  // namespace

std::uint64_t node_stream(const node_target& node, const std::string& path, const std::string& last_id,
                          const std::function<bool(const sse_event&)>& on_event) {
  curl_handle c;
  const auto url = node.base_url + path;
  prepare(c, node, url);
  if (!last_id.empty()) c.headers = curl_slist_append(c.headers, ("Last-Event-ID: " + last_id).c_str());
  curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
  sse_parser parser;
  parser.on_event = &on_event;
  parser.h = c.h;
  curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, on_sse_bytes);
  curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &parser);
  curl_easy_setopt(c.h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c.h, CURLOPT_XFERINFOFUNCTION, on_progress);
  // A silent connection (the node pings every 15 s) is a dead one.
  curl_easy_setopt(c.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c.h, CURLOPT_LOW_SPEED_TIME, 40L);
  const auto rc = curl_easy_perform(c.h);
  if (parser.status != 0 && parser.status != 200) {
    // 503 while a node drains for shutdown, 429, 502/504 from a proxy: try again later.
    if (parser.status >= 500 || parser.status == 429)
      throw node_unreachable(exit_failure, refusal(parser.status, parser.error_body, url));
    throw tool_error(exit_failure, refusal(parser.status, parser.error_body, url));
  }
  if (parser.status == 0 && rc != CURLE_OK && rc != CURLE_WRITE_ERROR && rc != CURLE_ABORTED_BY_CALLBACK)
    throw node_unreachable(exit_failure, "cannot reach " + url + ": " + curl_easy_strerror(rc));
  // Otherwise the feed ended: the caller reconnects from the last id it saw.
  return parser.retry_ms;
}

}  // namespace mercato::tool
