#pragma once
// The JSON shapes of the read models' views: what the HTTP API answers and what
// `mercato replay` writes, from one place. Money is integer minor units plus an ISO currency
// (`"price": 1299, "currency": "EUR"`), times ISO 8601 UTC with milliseconds. Includes
// nlohmann/json: include it from .cpp files only.
#include <cstdint>

#include <nlohmann/json.hpp>

#include <mercato/projections/carts.hpp>
#include <mercato/projections/catalog.hpp>
#include <mercato/projections/notifications.hpp>
#include <mercato/projections/orders.hpp>

namespace mercato::projections {

/// "2026-11-29T20:04:30.123Z"; null for 0.
nlohmann::json iso_time(std::int64_t ns);

/// Products and carts are written as JSON text directly (the hottest answers); the other
/// views are built as JSON values.
std::string product_json(const catalog_product& p);
void append_product_json(std::string& out, const catalog_product& p);
std::string cart_json(const cart_view& c);
void append_cart_json(std::string& out, const cart_view& c);
nlohmann::json order_json(const order_view& o);
nlohmann::json payment_json(const payment_view& p);
nlohmann::json notification_json(const notification_view& n);

/// Compact JSON text; invalid UTF-8 in a value becomes U+FFFD instead of an exception.
inline std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mercato::projections
