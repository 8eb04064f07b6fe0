#include "json_views.hpp"

#include <ctime>

namespace mercato::http::detail {

namespace {

std::string_view payment_status_name(domain::payment_status s) {
  switch (s) {
  case domain::payment_status::requested: return "requested";
  case domain::payment_status::authorized: return "authorized";
  case domain::payment_status::authorization_failed: return "authorization_failed";
  case domain::payment_status::captured: return "captured";
  case domain::payment_status::voided: return "voided";
  case domain::payment_status::partially_refunded: return "partially_refunded";
  case domain::payment_status::refunded: return "refunded";
  }
  return "unknown";
}

std::string currency_of(const domain::money& m) { return std::string(m.currency.code()); }

}  // namespace

nlohmann::json iso_time(std::int64_t ns) {
  if (ns <= 0) return nullptr;
  const std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  const int ms = static_cast<int>((ns / 1000000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return std::string(buf);
}

nlohmann::json product_json(const projections::catalog_product& p) {
  return {{"id", p.id},
          {"sku", p.sku},
          {"name", p.name},
          {"description", p.description},
          {"category", p.category},
          {"price", p.price_minor},
          {"currency", p.currency},
          {"images", p.images},
          {"active", p.active},
          {"stock", p.available},
          {"createdAt", iso_time(p.created_ns)},
          {"updatedAt", iso_time(p.updated_ns)}};
}

nlohmann::json product_json(const domain::product_state& p) {
  return {{"id", p.id.value()},
          {"sku", p.sku},
          {"name", p.name},
          {"description", p.description},
          {"category", p.category},
          {"price", p.price.minor_units},
          {"currency", currency_of(p.price)},
          {"images", p.images},
          {"active", p.active},
          {"stock", p.available}};
}

nlohmann::json cart_json(const projections::cart_view& c) {
  auto lines = nlohmann::json::array();
  for (const auto& l : c.lines)
    lines.push_back({{"productId", l.product_id},
                     {"name", l.name},
                     {"unitPrice", l.unit_price_minor},
                     {"quantity", l.quantity},
                     {"lineTotal", l.line_total_minor}});
  return {{"id", c.id},
          {"userId", c.user_id},
          {"items", std::move(lines)},
          {"itemCount", c.item_count},
          {"total", c.total_minor},
          {"currency", c.currency},
          {"lastOrderId", c.last_order_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.last_order_id)},
          {"updatedAt", iso_time(c.updated_ns)}};
}

nlohmann::json cart_json(const domain::cart_state& c) {
  auto lines = nlohmann::json::array();
  std::int64_t total = 0;
  std::uint32_t count = 0;
  std::string currency;
  for (const auto& l : c.lines) {
    const auto line_total = l.unit_price.minor_units * static_cast<std::int64_t>(l.qty.value());
    total += line_total;
    count += l.qty.value();
    currency = currency_of(l.unit_price);
    lines.push_back({{"productId", l.product.value()},
                     {"name", l.name},
                     {"unitPrice", l.unit_price.minor_units},
                     {"quantity", l.qty.value()},
                     {"lineTotal", line_total}});
  }
  return {{"id", c.id.value()},
          {"userId", c.user.value()},
          {"items", std::move(lines)},
          {"itemCount", count},
          {"total", total},
          {"currency", currency},
          {"lastOrderId", c.last_order.value().empty() ? nlohmann::json(nullptr) : nlohmann::json(c.last_order.value())}};
}

nlohmann::json order_json(const projections::order_view& o) {
  auto lines = nlohmann::json::array();
  for (const auto& l : o.lines)
    lines.push_back({{"productId", l.product_id},
                     {"name", l.name},
                     {"quantity", l.quantity},
                     {"unitPrice", l.unit_price_minor},
                     {"lineTotal", l.line_total_minor}});
  auto timeline = nlohmann::json::array();
  for (const auto& t : o.timeline) timeline.push_back({{"status", domain::to_string(t.status)}, {"at", iso_time(t.at_ns)}});
  auto refunds = nlohmann::json::array();
  for (const auto& r : o.refunds)
    refunds.push_back({{"id", r.refund_id},
                       {"paymentId", r.payment_id},
                       {"amount", r.amount_minor},
                       {"reason", r.reason},
                       {"at", iso_time(r.at_ns)}});
  auto payments = nlohmann::json::array();
  for (const auto& p : o.payments) payments.push_back(payment_json(p));
  nlohmann::json j{{"id", o.id},
                   {"userId", o.user_id},
                   {"status", domain::to_string(o.status)},
                   {"items", std::move(lines)},
                   {"itemCount", o.item_count},
                   {"total", o.total_minor},
                   {"currency", o.currency},
                   {"refunded", o.refunded_minor},
                   {"paymentId", o.payment_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.payment_id)},
                   {"timeline", std::move(timeline)},
                   {"refunds", std::move(refunds)},
                   {"payments", std::move(payments)},
                   {"placedAt", iso_time(o.placed_ns)},
                   {"updatedAt", iso_time(o.updated_ns)}};
  if (!o.tracking.empty() || !o.carrier.empty())
    j["shipping"] = {{"tracking", o.tracking}, {"carrier", o.carrier}, {"shippedAt", iso_time(o.shipped_ns)},
                     {"deliveredAt", iso_time(o.delivered_ns)}};
  if (o.status == domain::order_status::cancelled)
    j["cancellation"] = {{"reason", domain::to_string(o.cancel_reason)}, {"detail", o.cancel_detail}};
  return j;
}

nlohmann::json order_json(const domain::order_state& o) {
  auto lines = nlohmann::json::array();
  std::uint32_t count = 0;
  for (const auto& l : o.lines) {
    count += l.qty.value();
    lines.push_back({{"productId", l.product.value()},
                     {"name", l.name},
                     {"quantity", l.qty.value()},
                     {"unitPrice", l.unit_price.minor_units},
                     {"lineTotal", l.line_total.minor_units}});
  }
  nlohmann::json j{{"id", o.id.value()},
                   {"userId", o.user.value()},
                   {"status", domain::to_string(o.status)},
                   {"items", std::move(lines)},
                   {"itemCount", count},
                   {"total", o.total.minor_units},
                   {"currency", currency_of(o.total)},
                   {"refunded", o.refunded.minor_units},
                   {"paymentId", o.payment.value().empty() ? nlohmann::json(nullptr) : nlohmann::json(o.payment.value())},
                   {"placedAt", iso_time(o.placed_at_ns)},
                   {"updatedAt", iso_time(o.updated_at_ns)}};
  if (!o.tracking.empty() || !o.carrier.empty()) j["shipping"] = {{"tracking", o.tracking}, {"carrier", o.carrier}};
  if (o.status == domain::order_status::cancelled)
    j["cancellation"] = {{"reason", domain::to_string(o.cancellation)}, {"detail", o.cancel_detail}};
  return j;
}

nlohmann::json payment_json(const projections::payment_view& p) {
  auto refunds = nlohmann::json::array();
  for (const auto& r : p.refunds)
    refunds.push_back({{"id", r.refund_id}, {"amount", r.amount_minor}, {"reason", r.reason}, {"at", iso_time(r.at_ns)}});
  nlohmann::json j{{"id", p.id},
                   {"orderId", p.order_id},
                   {"status", payment_status_name(p.status)},
                   {"amount", p.amount_minor},
                   {"authorized", p.authorized_minor},
                   {"captured", p.captured_minor},
                   {"refunded", p.refunded_minor},
                   {"currency", p.currency},
                   {"provider", p.provider},
                   {"cardBrand", p.card_brand},
                   {"tokenMasked", p.token_masked},
                   {"refunds", std::move(refunds)},
                   {"createdAt", iso_time(p.created_ns)},
                   {"updatedAt", iso_time(p.updated_ns)}};
  if (p.status == domain::payment_status::authorization_failed)
    j["failure"] = {{"reason", domain::to_string(p.failure)}, {"detail", p.failure_detail}};
  return j;
}

nlohmann::json notification_json(const projections::notification_view& n) {
  return {{"id", n.id},
          {"kind", projections::to_string(n.kind)},
          {"orderId", n.order_id},
          {"subject", n.subject},
          {"body", n.body},
          {"createdAt", iso_time(n.created_ns)}};
}

response list_response(nlohmann::json items, std::uint32_t page, std::uint32_t page_size, std::uint64_t total) {
  const std::uint64_t pages = page_size == 0 ? 0 : (total + page_size - 1) / page_size;
  nlohmann::json body{{"data", std::move(items)},
                      {"meta", {{"page", page}, {"pageSize", page_size}, {"total", total}, {"totalPages", pages}}}};
  return response{200, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

}  // namespace mercato::http::detail
