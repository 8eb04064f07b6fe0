#pragma once
// The JSON shapes of the API's resources (one place, so a product looks the same whether it
// comes from the read model or from a command's answer). Money is integer minor units plus
// an ISO currency: `"price": 1299, "currency": "EUR"`.
#include <nlohmann/json.hpp>

#include <mercato/projections/json.hpp>

#include "exchange.hpp"

namespace mercato::http::detail {

// One JSON renderer per resource: the read models' views (projections/json.hpp, shared with
// `mercato replay`). Command answers render the same views (a cart from its state through
// projections::view_of; orders and products from their read models once they have applied the
// command), so an answer and the resource's GET have the same shape.
using projections::cart_json;
using projections::iso_time;
using projections::notification_json;
using projections::order_json;
using projections::payment_json;
using projections::product_json;

/// {"data":[items], "meta":{"page","pageSize","total","totalPages"}}; `page` is 1-based.
response list_response_text(std::string_view items, std::uint32_t page, std::uint32_t page_size,
                            std::uint64_t total);  // `items`: a JSON array's text
response list_response(const nlohmann::json& items, std::uint32_t page, std::uint32_t page_size,
                       std::uint64_t total);

}  // namespace mercato::http::detail
