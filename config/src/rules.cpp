#include "rules.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>

namespace mercato::config::detail {
namespace {

parsed<std::string> problem(const char* what) {
  return mercato::fail(std::string(what));
}

bool is_identifier_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

bool is_host_name_char(char c) {
  return is_identifier_char(c) && c != '_';
}

bool is_ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

template <class Pred>
bool all_of(std::string_view s, Pred pred) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

/// Splits HOST:PORT (or [V6]:PORT) into a validated host and the port text.
parsed<std::string> split_host(std::string_view text, std::string_view& port_text) {
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return problem("has no closing ] after the IPv6 host");
    const auto host = text.substr(1, close - 1);
    if (host.empty() || !all_of(host, is_ipv6_char)) return problem("has a malformed IPv6 host");
    if (close + 1 >= text.size() || text[close + 1] != ':') return problem("has no :PORT");
    port_text = text.substr(close + 2);
    return std::string(host);
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return problem("has no :PORT");
  const auto host = text.substr(0, colon);
  if (host.empty()) return problem("has no host before :PORT");
  if (!all_of(host, is_host_name_char)) {
    return problem("has a malformed host (an IPv6 host needs brackets: [::1]:8080)");
  }
  port_text = text.substr(colon + 1);
  return std::string(host);
}

}  // namespace

parsed<std::int64_t> parse_whole(std::string_view text, std::int64_t lo, std::int64_t hi) {
  std::int64_t value = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  // from_chars takes an optional '-' and decimal digits only: no '+', spaces, '.', 'e', 0x.
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) return mercato::fail(std::string("is out of range"));
  if (ec != std::errc{} || end != last) return mercato::fail(std::string("is not a whole number"));
  if (value < lo || value > hi) return mercato::fail(std::string("is out of range"));
  return value;
}

parsed<bool> parse_flag(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return mercato::fail(std::string("is not a boolean"));
}

parsed<endpoint> parse_endpoint(std::string_view text) {
  std::string_view port_text;
  auto host = split_host(text, port_text);
  if (!host) return mercato::fail(std::move(host.error()));
  auto port = parse_whole(port_text, 0, 65535);
  if (!port) return mercato::fail("has a port that " + port.error());
  return endpoint{std::move(*host), static_cast<std::uint16_t>(*port)};
}

parsed<std::string> parse_identifier(std::string_view text) {
  if (text.empty()) return problem("is empty");
  if (text.size() > 64) return problem("is longer than 64 characters");
  if (!all_of(text, is_identifier_char)) return problem("has a character outside A-Z a-z 0-9 . _ -");
  return std::string(text);
}

namespace {

/// Problem phrase for one URL of a list, or "" when it is a usable http(s) URL.
std::string url_problem(std::string_view url) {
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "has a space or control character";
  }
  std::string_view rest;
  if (url.starts_with("http://"))
    rest = url.substr(7);
  else if (url.starts_with("https://"))
    rest = url.substr(8);
  else
    return "does not start with http:// or https://";
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1 ||
        !all_of(authority.substr(1, close - 1), is_ipv6_char))
      return "has a malformed IPv6 host";
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "has junk after the IPv6 host";
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    const auto host = authority.substr(0, colon);
    if (host.empty()) return "has no host";
    if (!all_of(host, is_host_name_char)) return "has a malformed host";
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (port && !parse_whole(*port, 1, 65535)) return "has a port that is not a whole number from 1 to 65535";
  return "";
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

parsed<std::vector<std::string>> parse_url_list(std::string_view text) {
  std::vector<std::string> urls;
  if (trimmed(text).empty()) return urls;
  for (std::size_t start = 0; start <= text.size();) {
    const auto comma = std::min(text.find(',', start), text.size());
    const auto url = trimmed(text.substr(start, comma - start));
    const std::string n = std::to_string(urls.size() + 1);
    if (url.empty()) return mercato::fail("has an empty entry (URL " + n + ")");
    if (auto p = url_problem(url); !p.empty()) return mercato::fail("has URL " + n + " that " + p);
    if (std::find(urls.begin(), urls.end(), url) != urls.end())
      return mercato::fail("has URL " + n + " twice");
    urls.emplace_back(url);
    start = comma + 1;
  }
  return urls;
}

parsed<std::vector<std::string>> parse_origin_list(std::string_view text) {
  std::vector<std::string> origins;
  if (trimmed(text).empty()) return origins;
  if (trimmed(text) == "*") return std::vector<std::string>{"*"};
  for (std::size_t start = 0; start <= text.size();) {
    const auto comma = std::min(text.find(',', start), text.size());
    const auto origin = trimmed(text.substr(start, comma - start));
    const std::string n = std::to_string(origins.size() + 1);
    if (origin.empty()) return mercato::fail("has an empty entry (origin " + n + ")");
    if (origin == "*")
      return mercato::fail(std::string("mixes * with origins (* alone allows every origin)"));
    if (auto p = url_problem(origin); !p.empty()) return mercato::fail("has origin " + n + " that " + p);
    const auto authority = origin.substr(origin.find("://") + 3);
    if (authority.find_first_of("/?#@") != std::string_view::npos)
      return mercato::fail("has origin " + n +
                           " with a path, user or query (an origin is scheme://host[:port])");
    if (std::find(origins.begin(), origins.end(), origin) != origins.end())
      return mercato::fail("has origin " + n + " twice");
    origins.emplace_back(origin);
    start = comma + 1;
  }
  return origins;
}

std::string format_endpoint(const endpoint& e) {
  const bool v6 = e.host.find(':') != std::string::npos;
  return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

std::string whole_accepted(std::int64_t lo, std::int64_t hi) {
  if (lo == hi) return "only " + std::to_string(lo);
  return "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
}

}  // namespace mercato::config::detail
