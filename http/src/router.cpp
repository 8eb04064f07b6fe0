#include "router.hpp"

#include <algorithm>

namespace mercato::http::detail {

namespace {

bool is_param(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto slash = path.find('/', i);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > i) out.emplace_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

void route_table::add(route_def r) {
  compiled c{split_path(r.path)};
  routes_.push_back(std::move(r));
  compiled_.push_back(std::move(c));
}

route_table::match route_table::find(std::string_view method, std::string_view path) const {
  match result;
  const auto segments = split_path(path);
  int best_literals = -1;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& pattern = compiled_[i].segments;
    if (pattern.size() != segments.size()) continue;
    int literals = 0;
    bool ok = true;
    for (std::size_t s = 0; s < pattern.size() && ok; ++s) {
      if (is_param(pattern[s])) continue;
      if (pattern[s] != segments[s]) ok = false;
      ++literals;
    }
    if (!ok) continue;
    const auto& r = routes_[i];
    if (std::find(result.allowed.begin(), result.allowed.end(), r.method) == result.allowed.end())
      result.allowed.push_back(r.method);
    if (r.method != method || literals <= best_literals) continue;
    best_literals = literals;
    result.route = &r;
    result.params.clear();
    for (std::size_t s = 0; s < pattern.size(); ++s)
      if (is_param(pattern[s]))
        result.params[pattern[s].substr(1, pattern[s].size() - 2)] = percent_decode(segments[s], false);
  }
  std::sort(result.allowed.begin(), result.allowed.end());
  return result;
}

}  // namespace mercato::http::detail
