#pragma once
// The JSON shapes of the API's resources (one place, so a product looks the same whether it
// comes from the read model or from a command's answer). Money is integer minor units plus
// an ISO currency: `"price": 1299, "currency": "EUR"`.
#include <nlohmann/json.hpp>

#include <mercato/domain/cart.hpp>
#include <mercato/domain/checkout.hpp>
#include <mercato/domain/order.hpp>
#include <mercato/domain/product.hpp>
#include <mercato/projections/carts.hpp>
#include <mercato/projections/catalog.hpp>
#include <mercato/projections/notifications.hpp>
#include <mercato/projections/orders.hpp>

#include "exchange.hpp"

namespace mercato::http::detail {

nlohmann::json product_json(const projections::catalog_product& p);
nlohmann::json product_json(const domain::product_state& p);

nlohmann::json cart_json(const projections::cart_view& c);
nlohmann::json cart_json(const domain::cart_state& c);

nlohmann::json order_json(const projections::order_view& o);
nlohmann::json order_json(const domain::order_state& o);
nlohmann::json payment_json(const projections::payment_view& p);
nlohmann::json notification_json(const projections::notification_view& n);

/// ISO 8601 UTC with milliseconds ("2026-11-29T20:04:30.123Z"); null for 0.
nlohmann::json iso_time(std::int64_t ns);

/// {"data":[items], "meta":{"page","pageSize","total","totalPages"}}; `page` is 1-based.
response list_response(nlohmann::json items, std::uint32_t page, std::uint32_t page_size, std::uint64_t total);

}  // namespace mercato::http::detail
