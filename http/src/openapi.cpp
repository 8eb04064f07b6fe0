#include <mercato/http/openapi.hpp>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace mercato::http {
namespace detail {
extern const unsigned char openapi_bytes[];
extern const std::size_t openapi_size;
}  // namespace detail

std::string_view openapi_document() noexcept {
  return {reinterpret_cast<const char*>(detail::openapi_bytes), detail::openapi_size};
}

std::vector<route_key> openapi_routes() {
  std::vector<route_key> routes;
  const auto doc = nlohmann::json::parse(openapi_document(), nullptr, false);
  if (!doc.is_object() || !doc.contains("paths") || !doc["paths"].is_object()) return routes;
  for (const auto& [path, item] : doc["paths"].items()) {
    if (!item.is_object()) continue;
    for (const auto& [method, operation] : item.items()) {
      static const std::vector<std::string> methods = {"get",     "put",  "post", "delete",
                                                       "options", "head", "patch"};
      if (std::find(methods.begin(), methods.end(), method) == methods.end())
        continue;  // parameters, summary...
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
      routes.push_back({std::move(upper), path});
    }
  }
  std::sort(routes.begin(), routes.end());
  return routes;
}

std::string to_openapi_path(std::string_view pistache_path) {
  std::string out;
  std::size_t i = 0;
  while (i < pistache_path.size()) {
    const bool segment_start = i == 0 || pistache_path[i - 1] == '/';
    if (segment_start && pistache_path[i] == ':') {
      const std::size_t end = std::min(pistache_path.find('/', i), pistache_path.size());
      out += '{';
      out += pistache_path.substr(i + 1, end - i - 1);
      out += '}';
      i = end;
    } else {
      out += pistache_path[i++];
    }
  }
  return out;
}

}  // namespace mercato::http
