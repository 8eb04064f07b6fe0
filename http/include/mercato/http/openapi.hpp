#pragma once
// The OpenAPI 3 document of the HTTP API (http/openapi.json in the repository), embedded
// into the library at build time and served at GET /openapi.json.
#include <string>
#include <string_view>
#include <vector>

namespace mercato::http {

/// The document, as JSON text (exactly the file's bytes).
std::string_view openapi_document() noexcept;

struct route_key {
  std::string method;  ///< upper case: GET, POST, PUT, DELETE
  std::string path;    ///< the OpenAPI template, e.g. `/api/v1/products/{id}`
  auto operator<=>(const route_key&) const = default;
};

/// Every (method, path) the document describes, sorted. The routes test compares this
/// with the server's registered routes (written in the same `{param}` form).
std::vector<route_key> openapi_routes();

/// `/api/v1/products/:id` (Pistache's form) -> `/api/v1/products/{id}`; other text unchanged.
std::string to_openapi_path(std::string_view pistache_path);

}  // namespace mercato::http
