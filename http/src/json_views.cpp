#include "json_views.hpp"

namespace mercato::http::detail {

namespace {

std::string currency_of(const domain::money& m) {
  return std::string(m.currency.code());
}

}  // namespace

nlohmann::json product_json(const domain::product_state& p) {
  return {{"id", p.product_id.value()},
          {"sku", p.sku},
          {"name", p.name},
          {"description", p.description},
          {"category", p.category},
          {"price", p.price.minor_units},
          {"currency", currency_of(p.price)},
          {"images", p.images},
          {"active", p.active},
          {"stock", p.stock}};
}

nlohmann::json cart_json(const domain::cart_state& c) {
  auto lines = nlohmann::json::array();
  std::int64_t total = 0;
  std::uint32_t count = 0;
  std::string currency;
  for (const auto& l : c.lines) {
    const auto line_total = l.unit_price.minor_units * static_cast<std::int64_t>(l.quantity);
    total += line_total;
    count += l.quantity;
    currency = currency_of(l.unit_price);
    lines.push_back({{"productId", l.product_id.value()},
                     {"name", l.product_name},
                     {"unitPrice", l.unit_price.minor_units},
                     {"quantity", l.quantity},
                     {"lineTotal", line_total}});
  }
  return {{"id", c.cart_id.value()},
          {"userId", c.user_id.value()},
          {"items", std::move(lines)},
          {"itemCount", count},
          {"total", total},
          {"currency", currency},
          {"lastOrderId", c.last_order_id.value().empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json(c.last_order_id.value())}};
}

nlohmann::json order_json(const domain::order_state& o) {
  auto lines = nlohmann::json::array();
  std::uint32_t count = 0;
  for (const auto& l : o.lines) {
    count += l.quantity;
    lines.push_back({{"productId", l.product_id.value()},
                     {"name", l.name},
                     {"quantity", l.quantity},
                     {"unitPrice", l.unit_price.minor_units},
                     {"lineTotal", l.line_total.minor_units}});
  }
  nlohmann::json j{{"id", o.order_id.value()},
                   {"userId", o.user_id.value()},
                   {"status", domain::to_string(o.status)},
                   {"items", std::move(lines)},
                   {"itemCount", count},
                   {"total", o.total.minor_units},
                   {"currency", currency_of(o.total)},
                   {"refunded", o.refunded.minor_units},
                   {"paymentId", o.payment_id.value().empty() ? nlohmann::json(nullptr)
                                                              : nlohmann::json(o.payment_id.value())},
                   {"placedAt", iso_time(o.placed_at_ns)},
                   {"updatedAt", iso_time(o.updated_at_ns)}};
  if (!o.tracking.empty() || !o.carrier.empty())
    j["shipping"] = {{"tracking", o.tracking}, {"carrier", o.carrier}};
  if (o.status == domain::order_status::cancelled)
    j["cancellation"] = {{"reason", domain::to_string(o.cancel_reason)}, {"detail", o.cancel_detail}};
  return j;
}

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
