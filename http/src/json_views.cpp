#include "json_views.hpp"

namespace mercato::http::detail {

response list_response(nlohmann::json items, std::uint32_t page, std::uint32_t page_size,
                       std::uint64_t total) {
  const std::uint64_t pages = page_size == 0 ? 0 : (total + page_size - 1) / page_size;
  nlohmann::json body{
      {"data", std::move(items)},
      {"meta", {{"page", page}, {"pageSize", page_size}, {"total", total}, {"totalPages", pages}}}};
  return response{
      200, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

}  // namespace mercato::http::detail
