#pragma once
// Value rules: each turns the text of a setting (from YAML, environment or a flag — always
// text, so all three share one parser) into a typed value, or returns a short problem
// phrase ("is not a whole number") that the loader puts after the quoted value. Each rule
// also says in words what it accepts, for error messages and --help.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/common/result.hpp>
#include <mercato/config/config.hpp>

namespace mercato::config::detail {

template <class V>
using parsed = mercato::result<V, std::string>;

parsed<std::int64_t> parse_whole(std::string_view text, std::int64_t lo, std::int64_t hi);
parsed<bool> parse_flag(std::string_view text);
parsed<endpoint> parse_endpoint(std::string_view text);
parsed<std::string> parse_identifier(std::string_view text);
parsed<std::vector<std::string>> parse_url_list(std::string_view text);
parsed<std::vector<std::string>> parse_origin_list(std::string_view text);

std::string format_endpoint(const endpoint& e);
std::string whole_accepted(std::int64_t lo, std::int64_t hi);

/// A whole number in [Lo, Hi]; the bounds are compile-time so the table can check at
/// compile time that they fit the field they fill.
template <std::int64_t Lo, std::int64_t Hi>
struct whole {
  static_assert(Lo <= Hi);
  static constexpr std::int64_t lo = Lo;
  static constexpr std::int64_t hi = Hi;
  std::string accepted() const { return whole_accepted(Lo, Hi); }
  parsed<std::int64_t> parse(std::string_view text) const { return parse_whole(text, Lo, Hi); }
};

/// `true` or `false`, exactly (YAML 1.2 core booleans, no yes/no/on/off).
struct flag {
  std::string accepted() const { return "true or false"; }
  parsed<bool> parse(std::string_view text) const { return parse_flag(text); }
};

/// One of an enum's names as printed by to_string(E).
template <class E>
struct one_of {
  std::vector<E> values;
  one_of(std::initializer_list<E> v) : values(v) {}

  std::string accepted() const {
    std::string out = "one of ";
    for (std::size_t i = 0; i < values.size(); ++i) {
      out += i == 0 ? "" : ", ";
      out += to_string(values[i]);
    }
    return out;
  }
  parsed<E> parse(std::string_view text) const {
    for (E v : values) {
      if (to_string(v) == text) return v;
    }
    return mercato::fail(std::string("is not a known value"));
  }
};

/// 1..64 characters of [A-Za-z0-9._-]: safe in file names, log lines and URLs.
struct identifier {
  std::string accepted() const { return "1 to 64 characters of A-Z a-z 0-9 . _ -"; }
  parsed<std::string> parse(std::string_view text) const { return parse_identifier(text); }
};

struct non_empty_text {
  std::string accepted() const { return "any non-empty text"; }
  parsed<std::string> parse(std::string_view text) const {
    if (text.empty()) return mercato::fail(std::string("is empty"));
    return std::string(text);
  }
};

struct any_text {
  std::string accepted() const { return "any text"; }
  parsed<std::string> parse(std::string_view text) const { return std::string(text); }
};

/// HOST:PORT, port 0..65535 (0: any free port, reported at start); an IPv6 host goes in brackets: [::1]:8080.
struct host_port {
  std::string accepted() const {
    return "HOST:PORT with a port from 0 to 65535 (0 = any free port) (e.g. 127.0.0.1:8080, [::1]:8080)";
  }
  parsed<endpoint> parse(std::string_view text) const { return parse_endpoint(text); }
};

/// Comma-separated http:// or https:// URLs (spaces around commas ignored, no duplicates);
/// empty text is the empty list.
struct url_list {
  std::string accepted() const {
    return "comma-separated http:// or https:// URLs with a host, no duplicates (empty = none)";
  }
  parsed<std::vector<std::string>> parse(std::string_view text) const { return parse_url_list(text); }
};

/// CORS origins: `*`, or comma-separated `http(s)://host[:port]` without path (spaces
/// around commas ignored, no duplicates); empty text is the empty list.
struct origin_list {
  std::string accepted() const {
    return "* or comma-separated origins like https://shop.example.com[:port] (no path), no duplicates "
           "(empty = none)";
  }
  parsed<std::vector<std::string>> parse(std::string_view text) const { return parse_origin_list(text); }
};

}  // namespace mercato::config::detail
