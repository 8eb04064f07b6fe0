// The read models' views as the API's JSON (json.hpp).
#include <mercato/projections/json.hpp>

#include <charconv>

#include <mercato/codec/json.hpp>

namespace mercato::projections {

nlohmann::json iso_time(std::int64_t ns) {
  if (ns <= 0) return nullptr;
  auto t = codec::format_timestamp(ns);  // "…:ss.nnnnnnnnnZ"
  t.resize(t.size() - 7);                // milliseconds
  t.push_back('Z');
  return t;
}

namespace {

/// Appends "…Z" (milliseconds) or null for 0, as iso_time.
void append_iso_time(std::string& out, std::int64_t ns) {
  if (ns <= 0) {
    out += "null";
    return;
  }
  auto t = codec::format_timestamp(ns);
  t.resize(t.size() - 7);
  t.push_back('Z');
  codec::append_json_string(out, t);
}

void append_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out.push_back(',');  // the first key of an object has no comma
  out.push_back('"');
  out.append(key);
  out += "\":";
}

void append_number(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

}  // namespace

// The product and cart renderers write their text directly (they answer the hottest GETs
// and every add-to-cart): no JSON DOM, keys in the order nlohmann's sorted objects had.

void append_product_json(std::string& out, const catalog_product& p) {
  out.push_back('{');
  append_key(out, "active");
  out += p.active ? "true" : "false";
  append_key(out, "category");
  codec::append_json_string(out, p.category);
  append_key(out, "createdAt");
  append_iso_time(out, p.created_ns);
  append_key(out, "currency");
  codec::append_json_string(out, p.currency);
  append_key(out, "description");
  codec::append_json_string(out, p.description);
  append_key(out, "id");
  codec::append_json_string(out, p.id);
  append_key(out, "images");
  out.push_back('[');
  for (std::size_t i = 0; i < p.images.size(); ++i) {
    if (i > 0) out.push_back(',');
    codec::append_json_string(out, p.images[i]);
  }
  out.push_back(']');
  append_key(out, "name");
  codec::append_json_string(out, p.name);
  append_key(out, "price");
  append_number(out, p.price_minor);
  append_key(out, "sku");
  codec::append_json_string(out, p.sku);
  append_key(out, "stock");
  append_number(out, p.available);
  append_key(out, "updatedAt");
  append_iso_time(out, p.updated_ns);
  out.push_back('}');
}

std::string product_json(const catalog_product& p) {
  std::string out;
  out.reserve(512);
  append_product_json(out, p);
  return out;
}

void append_cart_json(std::string& out, const cart_view& c) {
  out.push_back('{');
  append_key(out, "currency");
  codec::append_json_string(out, c.currency);
  append_key(out, "id");
  codec::append_json_string(out, c.id);
  append_key(out, "itemCount");
  append_number(out, c.item_count);
  append_key(out, "items");
  out.push_back('[');
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    const auto& l = c.lines[i];
    if (i > 0) out.push_back(',');
    out.push_back('{');
    append_key(out, "lineTotal");
    append_number(out, l.line_total_minor);
    append_key(out, "name");
    codec::append_json_string(out, l.name);
    append_key(out, "productId");
    codec::append_json_string(out, l.product_id);
    append_key(out, "quantity");
    append_number(out, l.quantity);
    append_key(out, "unitPrice");
    append_number(out, l.unit_price_minor);
    out.push_back('}');
  }
  out.push_back(']');
  append_key(out, "lastOrderId");
  if (c.last_order_id.empty())
    out += "null";
  else
    codec::append_json_string(out, c.last_order_id);
  append_key(out, "total");
  append_number(out, c.total_minor);
  append_key(out, "updatedAt");
  append_iso_time(out, c.updated_ns);
  append_key(out, "userId");
  codec::append_json_string(out, c.user_id);
  out.push_back('}');
}

std::string cart_json(const cart_view& c) {
  std::string out;
  out.reserve(256 + 128 * c.lines.size());
  append_cart_json(out, c);
  return out;
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
