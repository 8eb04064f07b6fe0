// The admin read model: figures per UTC day, per product, top sellers and low stock.
#include <algorithm>

#include <mercato/codec/json.hpp>
#include <mercato/projections/admin.hpp>
#include <mercato/projections/json.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

namespace {

constexpr std::string_view model = "admin";
constexpr std::string_view product_stream_prefix = "product/";
constexpr std::string_view day_key = "d/";
constexpr std::string_view product_key = "s/";
constexpr std::string_view top_key = "t/";
constexpr std::string_view low_key = "l/";

std::string encode_day(const day_figures& d) {
  value_writer w;
  w.str(d.date).u64(d.orders_placed).u64(d.orders_confirmed).u64(d.orders_cancelled).u64(d.money.size());
  for (const auto& m : d.money) w.str(m.currency).i64(m.captured_minor).i64(m.refunded_minor);
  return w.take();
}

std::optional<day_figures> decode_day(std::string_view bytes) {
  value_reader r(bytes);
  day_figures d;
  d.date = r.str();
  d.orders_placed = r.u64();
  d.orders_confirmed = r.u64();
  d.orders_cancelled = r.u64();
  for (auto n = r.u64(); n > 0 && r.ok(); --n) {
    currency_figures m;
    m.currency = r.str();
    m.captured_minor = r.i64();
    m.refunded_minor = r.i64();
    d.money.push_back(std::move(m));
  }
  if (!r.done()) return std::nullopt;
  return d;
}

std::string encode_figures(const product_figures& p) {
  value_writer w;
  w.str(p.id).str(p.name).str(p.category).boolean(p.active).u64(p.available).u64(p.reserved).u64(p.sold);
  return w.take();
}

std::optional<product_figures> decode_figures(std::string_view bytes) {
  value_reader r(bytes);
  product_figures p;
  p.id = r.str();
  p.name = r.str();
  p.category = r.str();
  p.active = r.boolean();
  p.available = r.u32();
  p.reserved = r.u32();
  p.sold = r.u32();
  if (!r.done()) return std::nullopt;
  return p;
}

std::string top_index(const product_figures& p) {
  return std::string(top_key) + be32(~p.sold) + p.id;
}
std::string low_index(const product_figures& p) {
  return std::string(low_key) + be32(p.available) + p.id;
}

currency_figures& money_of(day_figures& d, std::string_view currency) {
  auto it = std::lower_bound(d.money.begin(), d.money.end(), currency,
                             [](const currency_figures& m, std::string_view c) { return m.currency < c; });
  if (it == d.money.end() || it->currency != currency)
    it = d.money.insert(it, currency_figures{std::string(currency), 0, 0});
  return *it;
}

void apply_product(batch_writer& out, const log_event& event) {
  const auto& decoded = event.decoded(model);
  const std::string key = std::string(product_key) + event.stream.substr(product_stream_prefix.size());
  const auto before = load_value(out, key, model, decode_figures);
  std::optional<catalog_product> p;
  if (before) {
    p.emplace();
    p->id = before->id;
    p->name = before->name;
    p->category = before->category;
    p->active = before->active;
    p->available = before->available;
    p->reserved = before->reserved;
    p->sold = before->sold;
  }
  if (!fold_product(p, decoded, event)) return;
  const product_figures after{p->id, p->name, p->category, p->active, p->available, p->reserved, p->sold};
  if (!before || before->sold != after.sold) {
    if (before && before->sold > 0) out.erase(top_index(*before));
    if (after.sold > 0) out.put(top_index(after), "");
  }
  if (!before || before->active != after.active || before->available != after.available) {
    if (before && before->active) out.erase(low_index(*before));
    if (after.active) out.put(low_index(after), "");
  }
  out.put(key, encode_figures(after));
}

bool is_day_event(std::string_view type) {
  return type == domain::order_placed::type_name || type == domain::order_confirmed::type_name ||
         type == domain::order_cancelled::type_name || type == domain::payment_captured::type_name ||
         type == domain::payment_refunded::type_name;
}

void apply_day(batch_writer& out, const log_event& event) {
  const auto& decoded = event.decoded(model);
  const auto date = utc_date(event.timestamp_ns);
  const std::string key = std::string(day_key) + date;
  auto stored = load_value(out, key, model, decode_day);
  day_figures d = stored ? std::move(*stored) : day_figures{date, 0, 0, 0, {}};
  bool relevant = true;
  std::visit(overloaded{
                 [&](const domain::order_placed&) { ++d.orders_placed; },
                 [&](const domain::order_confirmed&) { ++d.orders_confirmed; },
                 [&](const domain::order_cancelled&) { ++d.orders_cancelled; },
                 [&](const domain::payment_captured& e) {
                   money_of(d, e.amount.currency.code()).captured_minor += e.amount.minor_units;
                 },
                 [&](const domain::payment_refunded& e) {
                   money_of(d, e.amount.currency.code()).refunded_minor += e.amount.minor_units;
                 },
                 [&](const auto&) { relevant = false; },
             },
             decoded);
  if (relevant) out.put(key, encode_day(d));
}

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

es::store_result<std::vector<product_figures>> figures_of_index(
    const es::event_store& store, const std::string& prefix, std::string_view index, std::size_t limit,
    const std::function<bool(std::string_view)>& keep) {
  if (limit < 1 || limit > max_page_size)
    return fail(
        invalid("limit must be 1.." + std::to_string(max_page_size) + ", got " + std::to_string(limit)));
  std::vector<std::string> ids;
  auto scanned =
      scan(store, prefix, index, prefix_end_of(index), [&](std::string_view key, std::string_view) {
        const auto rest = key.substr(index.size());
        if (rest.size() < 4 || !keep(rest.substr(0, 4))) return false;
        ids.emplace_back(rest.substr(4));
        return ids.size() < limit;
      });
  if (!scanned) return fail(scanned.error());
  std::vector<product_figures> out;
  for (const auto& id : ids) {
    auto p = query_value(store, prefix + std::string(product_key) + id, model, decode_figures);
    if (!p) return fail(p.error());
    if (!*p) return fail(corrupt(model, "index entry of missing product " + id));
    out.push_back(std::move(**p));
  }
  return out;
}

}  // namespace

std::string utc_date(std::int64_t ns) {
  return codec::format_timestamp(ns).substr(0, 10);
}

bool admin_projection::wants_decoded(const es::recorded_event& event) const {
  return event.stream.starts_with(product_stream_prefix) || is_day_event(event.type);
}

void admin_projection::apply(batch_writer& out, const log_event& event) {
  if (event.stream.starts_with(product_stream_prefix))
    apply_product(out, event);
  else if (is_day_event(event.type))
    apply_day(out, event);
}

admin_query::admin_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

es::store_result<std::vector<day_figures>> admin_query::days(std::string_view from,
                                                             std::string_view to) const {
  if (!valid_date(from) || !valid_date(to))
    return fail(
        invalid("dates must be YYYY-MM-DD, got '" + std::string(from) + "' and '" + std::string(to) + "'"));
  if (from > to) return fail(invalid("the first date is after the last"));
  std::vector<day_figures> out;
  std::string bad;
  const auto begin = std::string(day_key) + std::string(from);
  const auto end = std::string(day_key) + std::string(to) + '\0';
  auto scanned = scan(store_, prefix_, begin, end, [&](std::string_view key, std::string_view value) {
    auto d = decode_day(value);
    if (!d) {
      bad = key;
      return false;
    }
    out.push_back(std::move(*d));
    return true;
  });
  if (!scanned) return fail(scanned.error());
  if (!bad.empty()) return fail(corrupt(model, bad));
  return out;
}

es::store_result<std::vector<product_figures>> admin_query::top_products(std::size_t limit) const {
  return figures_of_index(store_, prefix_, top_key, limit, [](std::string_view) { return true; });
}

es::store_result<std::vector<product_figures>> admin_query::low_stock(std::uint32_t threshold,
                                                                      std::size_t limit) const {
  return figures_of_index(store_, prefix_, low_key, limit, [&](std::string_view available) {
    return read_be64(std::string(4, '\0') + std::string(available)) <= threshold;
  });
}

std::string admin_projection::describe(std::string_view key, std::string_view value) const {
  if (key.starts_with(day_key)) {
    const auto d = decode_day(value);
    if (!d) return {};
    auto money = nlohmann::json::array();
    for (const auto& m : d->money)
      money.push_back({{"currency", m.currency},
                       {"captured", m.captured_minor},
                       {"refunded", m.refunded_minor},
                       {"revenue", m.revenue_minor()}});
    return json_text({{"date", d->date},
                      {"ordersPlaced", d->orders_placed},
                      {"ordersConfirmed", d->orders_confirmed},
                      {"ordersCancelled", d->orders_cancelled},
                      {"money", std::move(money)}});
  }
  if (key.starts_with(product_key)) {
    const auto p = decode_figures(value);
    if (!p) return {};
    return json_text({{"id", p->id},
                      {"name", p->name},
                      {"category", p->category},
                      {"active", p->active},
                      {"available", p->available},
                      {"reserved", p->reserved},
                      {"sold", p->sold}});
  }
  return "null";  // top-products and low-stock index keys: the key says it all
}

}  // namespace mercato::projections
