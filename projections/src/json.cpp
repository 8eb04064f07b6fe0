// The read models' views as the API's JSON (json.hpp).
#include <mercato/projections/json.hpp>

#include <mercato/codec/json.hpp>

namespace mercato::projections {

nlohmann::json iso_time(std::int64_t ns) {
  if (ns <= 0) return nullptr;
  auto t = codec::format_timestamp(ns);  // "…:ss.nnnnnnnnnZ"
  t.resize(t.size() - 7);                // milliseconds
  t.push_back('Z');
  return t;
}

nlohmann::json product_json(const catalog_product& p) {
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

nlohmann::json cart_json(const cart_view& c) {
  auto lines = nlohmann::json::array();
  for (const auto& l : c.lines)
    lines.push_back({{"productId", l.product_id},
                     {"name", l.name},
                     {"unitPrice", l.unit_price_minor},
                     {"quantity", l.quantity},
                     {"lineTotal", l.line_total_minor}});
  return {
      {"id", c.id},
      {"userId", c.user_id},
      {"items", std::move(lines)},
      {"itemCount", c.item_count},
      {"total", c.total_minor},
      {"currency", c.currency},
      {"lastOrderId", c.last_order_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.last_order_id)},
      {"updatedAt", iso_time(c.updated_ns)}};
}

nlohmann::json order_json(const order_view& o) {
  auto lines = nlohmann::json::array();
  for (const auto& l : o.lines)
    lines.push_back({{"productId", l.product_id},
                     {"name", l.name},
                     {"quantity", l.quantity},
                     {"unitPrice", l.unit_price_minor},
                     {"lineTotal", l.line_total_minor}});
  auto timeline = nlohmann::json::array();
  for (const auto& t : o.timeline)
    timeline.push_back({{"status", domain::to_string(t.status)}, {"at", iso_time(t.at_ns)}});
  auto refunds = nlohmann::json::array();
  for (const auto& r : o.refunds)
    refunds.push_back({{"id", r.refund_id},
                       {"paymentId", r.payment_id},
                       {"amount", r.amount_minor},
                       {"reason", r.reason},
                       {"at", iso_time(r.at_ns)}});
  auto payments = nlohmann::json::array();
  for (const auto& p : o.payments) payments.push_back(payment_json(p));
  nlohmann::json j{
      {"id", o.id},
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
    j["shipping"] = {{"tracking", o.tracking},
                     {"carrier", o.carrier},
                     {"shippedAt", iso_time(o.shipped_ns)},
                     {"deliveredAt", iso_time(o.delivered_ns)}};
  if (o.status == domain::order_status::cancelled)
    j["cancellation"] = {{"reason", domain::to_string(o.cancel_reason)}, {"detail", o.cancel_detail}};
  return j;
}

nlohmann::json payment_json(const payment_view& p) {
  auto refunds = nlohmann::json::array();
  for (const auto& r : p.refunds)
    refunds.push_back(
        {{"id", r.refund_id}, {"amount", r.amount_minor}, {"reason", r.reason}, {"at", iso_time(r.at_ns)}});
  nlohmann::json j{{"id", p.id},
                   {"orderId", p.order_id},
                   {"status", domain::to_string(p.status)},
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

nlohmann::json notification_json(const notification_view& n) {
  return {
      {"id", n.id},     {"kind", domain::to_string(n.kind)},  {"orderId", n.order_id}, {"subject", n.subject},
      {"body", n.body}, {"createdAt", iso_time(n.created_ns)}};
}

}  // namespace mercato::projections
