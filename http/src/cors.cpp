#include <mercato/http/cors.hpp>

#include <algorithm>

#include "text.hpp"

namespace mercato::http {

cors_options cors_options_from(const config::node_config& config) {
  cors_options o;
  o.allowed_origins = config.http.cors_origins;
  return o;
}

cors_policy::cors_policy(cors_options options) : options_(std::move(options)) {
  any_ = std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), "*") !=
         options_.allowed_origins.end();
}

bool cors_policy::origin_allowed(std::string_view origin) const noexcept {
  if (origin.empty() || origin == "null") return false;
  if (any_) return true;
  // Scheme and host compare case-insensitively (RFC 6454 serialises them lower case).
  return std::any_of(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                     [&](const std::string& allowed) { return detail::iequals(allowed, origin); });
}

std::vector<header_field> cors_policy::response_headers(std::optional<std::string_view> origin) const {
  std::vector<header_field> headers;
  if (!origin) return headers;
  if (origin_allowed(*origin)) {
    headers.push_back({"Access-Control-Allow-Origin", any_ ? std::string("*") : std::string(*origin)});
    headers.push_back({"Access-Control-Expose-Headers", std::string(cors_exposed_headers)});
  }
  headers.push_back({"Vary", "Origin"});
  return headers;
}

bool cors_policy::is_preflight(std::string_view method, std::optional<std::string_view> origin,
                               std::optional<std::string_view> request_method) noexcept {
  return method == "OPTIONS" && origin.has_value() && request_method.has_value();
}

namespace {

bool method_allowed(std::string_view m) {
  for (std::string_view allowed : {"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"}) {
    if (m == allowed) return true;
  }
  return false;
}

/// Every comma-separated name in `requested` is one of cors_allowed_headers (any case).
bool headers_allowed(std::string_view requested) {
  std::size_t start = 0;
  while (start <= requested.size()) {
    const std::size_t comma = std::min(requested.find(',', start), requested.size());
    const std::string_view name = detail::trim_blanks(requested.substr(start, comma - start));
    start = comma + 1;
    if (name.empty()) continue;
    bool known = false;
    std::string_view list = cors_allowed_headers;
    std::size_t p = 0;
    while (p <= list.size() && !known) {
      const std::size_t c = std::min(list.find(',', p), list.size());
      known = detail::iequals(detail::trim_blanks(list.substr(p, c - p)), name);
      p = c + 1;
    }
    // Simple headers never need listing, but browsers may still ask.
    if (!known && !detail::iequals(name, "Accept") && !detail::iequals(name, "Accept-Language") &&
        !detail::iequals(name, "Content-Language"))
      return false;
  }
  return true;
}

}  // namespace

cors_policy::preflight_answer cors_policy::preflight(std::string_view origin, std::string_view request_method,
                                                     std::optional<std::string_view> request_headers) const {
  preflight_answer answer;
  if (!origin_allowed(origin) || !method_allowed(request_method) ||
      (request_headers && !headers_allowed(*request_headers))) {
    answer.status = 403;
    answer.headers.push_back({"Vary", "Origin"});
    return answer;
  }
  answer.status = 204;
  answer.headers = {
      {"Access-Control-Allow-Origin", any_ ? std::string("*") : std::string(origin)},
      {"Access-Control-Allow-Methods", std::string(cors_allowed_methods)},
      {"Access-Control-Allow-Headers", std::string(cors_allowed_headers)},
      {"Access-Control-Max-Age", std::to_string(options_.max_age.count())},
      {"Vary", "Origin"},
  };
  return answer;
}

}  // namespace mercato::http
