// The carts read model: fold of cart events into what the shopper sees.
#include <algorithm>

#include <mercato/domain/types.hpp>
#include <mercato/projections/carts.hpp>
#include <mercato/projections/json.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

namespace {

constexpr std::string_view model = "carts";
constexpr std::string_view cart_stream_prefix = "cart/";
constexpr std::string_view cart_key = "c/";

void recompute(cart_view& c) {
  c.total_minor = 0;
  c.item_count = 0;
  for (auto& l : c.lines) {
    l.line_total_minor = l.unit_price_minor * std::int64_t(l.quantity);
    c.total_minor += l.line_total_minor;
    c.item_count += l.quantity;
  }
  if (c.lines.empty()) c.currency.clear();
}

std::vector<cart_view_line>::iterator line_of(cart_view& c, const domain::product_id& p) {
  return std::find_if(c.lines.begin(), c.lines.end(),
                      [&](const auto& l) { return l.product_id == p.value(); });
}

}  // namespace

std::string encode_cart(const cart_view& c) {
  value_writer w;
  w.str(c.id).str(c.user_id).u64(c.lines.size());
  for (const auto& l : c.lines) w.str(l.product_id).str(l.name).i64(l.unit_price_minor).u64(l.quantity);
  w.str(c.currency).u64(c.version).boolean(c.checked_out).str(c.last_order_id).i64(c.updated_ns);
  return w.take();
}

std::optional<cart_view> decode_cart(std::string_view bytes) {
  value_reader r(bytes);
  cart_view c;
  c.id = r.str();
  c.user_id = r.str();
  const auto n = r.u64();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    cart_view_line l;
    l.product_id = r.str();
    l.name = r.str();
    l.unit_price_minor = r.i64();
    l.quantity = r.u32();
    c.lines.push_back(std::move(l));
  }
  c.currency = r.str();
  c.version = r.u64();
  c.checked_out = r.boolean();
  c.last_order_id = r.str();
  c.updated_ns = r.i64();
  if (!r.done()) return std::nullopt;
  recompute(c);
  return c;
}

void carts_projection::apply(batch_writer& out, const es::recorded_event& event) {
  if (!event.stream.starts_with(cart_stream_prefix)) return;
  const auto decoded = decode(event, model);
  const std::string key = std::string(cart_key) + event.stream.substr(cart_stream_prefix.size());
  auto stored = load_value(out, key, model, decode_cart);
  cart_view c = stored ? std::move(*stored) : cart_view{};
  if (!stored) c.id = event.stream.substr(cart_stream_prefix.size());
  bool relevant = true;
  std::visit(
      overloaded{
          [&](const domain::cart_item_added& e) {
            if (c.user_id.empty()) c.user_id = e.user_id.value();
            c.checked_out = false;
            auto it = line_of(c, e.product_id);
            if (it == c.lines.end()) {
              c.lines.push_back({e.product_id.value(), e.product_name, e.unit_price.minor_units, 0, 0});
              it = std::prev(c.lines.end());
            }
            it->quantity = e.line_quantity;
            c.currency = std::string(e.unit_price.currency.code());
          },
          [&](const domain::cart_item_quantity_changed& e) {
            if (auto it = line_of(c, e.product_id); it != c.lines.end()) it->quantity = e.quantity;
          },
          [&](const domain::cart_item_removed& e) {
            if (auto it = line_of(c, e.product_id); it != c.lines.end()) c.lines.erase(it);
          },
          [&](const domain::cart_cleared&) { c.lines.clear(); },
          [&](const domain::cart_checked_out& e) {
            c.lines.clear();
            c.checked_out = true;
            c.last_order_id = e.order_id.value();
          },
          [&](const auto&) { relevant = false; },
      },
      decoded);
  if (!relevant) return;
  c.version = event.version.value();
  c.updated_ns = event.timestamp_ns;
  recompute(c);
  out.put(key, encode_cart(c));
}

carts_query::carts_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

es::store_result<std::optional<cart_view>> carts_query::get(std::string_view cart_id) const {
  return query_value(store_, prefix_ + std::string(cart_key) + std::string(cart_id), model, decode_cart);
}

es::store_result<cart_view> carts_query::for_user(std::string_view user_id) const {
  const auto id = domain::cart_id_for(domain::user_id{std::string(user_id)}).value();
  auto c = get(id);
  if (!c) return fail(c.error());
  if (*c) return std::move(**c);
  cart_view empty;
  empty.id = id;
  empty.user_id = std::string(user_id);
  return empty;
}

std::string carts_projection::describe(std::string_view key, std::string_view value) const {
  if (!key.starts_with(cart_key)) return {};
  const auto c = decode_cart(value);
  return c ? json_text(cart_json(*c)) : std::string();
}

}  // namespace mercato::projections
