#pragma once
// The JSON shapes of the API's resources (one place, so a product looks the same whether it
// comes from the read model or from a command's answer). Money is integer minor units plus
// an ISO currency: `"price": 1299, "currency": "EUR"`.
#include <nlohmann/json.hpp>

#include <mercato/domain/cart.hpp>
#include <mercato/domain/checkout.hpp>
#include <mercato/domain/order.hpp>
#include <mercato/domain/product.hpp>
#include <mercato/projections/json.hpp>

#include "exchange.hpp"

namespace mercato::http::detail {

// The read models' views (shared with `mercato replay`), beside the entities' states.
using projections::cart_json;
using projections::iso_time;
using projections::notification_json;
using projections::order_json;
using projections::payment_json;
using projections::product_json;

nlohmann::json product_json(const domain::product_state& p);
nlohmann::json cart_json(const domain::cart_state& c);
nlohmann::json order_json(const domain::order_state& o);

/// {"data":[items], "meta":{"page","pageSize","total","totalPages"}}; `page` is 1-based.
response list_response(nlohmann::json items, std::uint32_t page, std::uint32_t page_size,
                       std::uint64_t total);

}  // namespace mercato::http::detail
