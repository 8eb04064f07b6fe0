#include "json_views.hpp"

#include <fmt/format.h>

namespace mercato::http::detail {

response list_response_text(std::string_view items, std::uint32_t page, std::uint32_t page_size,
                            std::uint64_t total) {
  const std::uint64_t pages = page_size == 0 ? 0 : (total + page_size - 1) / page_size;
  std::string body;
  body.reserve(items.size() + 96);
  body += R"({"data":)";
  body += items;
  fmt::format_to(std::back_inserter(body),
                 R"(,"meta":{{"page":{},"pageSize":{},"total":{},"totalPages":{}}}}})", page, page_size,
                 total, pages);
  return response{200, "application/json", std::move(body), {}};
}

response list_response(const nlohmann::json& items, std::uint32_t page, std::uint32_t page_size,
                       std::uint64_t total) {
  return list_response_text(projections::json_text(items), page, page_size, total);
}

}  // namespace mercato::http::detail
