// The catalog read model: fold of product events, sort/category indexes, search.
#include <algorithm>
#include <limits>

#include <mercato/projections/catalog.hpp>
#include <mercato/projections/json.hpp>

#include "common.hpp"

namespace mercato::projections {

namespace {

using namespace rm;

constexpr std::string_view model = "catalog";
constexpr std::string_view product_stream_prefix = "product/";
constexpr std::string_view product_key = "p/";
constexpr char sorts[] = {'n', 'p', 't'};

std::uint32_t minus_saturating(std::uint32_t a, std::uint32_t b) {
  return a > b ? a - b : 0;
}

char sort_char(catalog_sort s) {
  switch (s) {
    case catalog_sort::price:
      return 'p';
    case catalog_sort::newest:
      return 't';
    case catalog_sort::name:
      break;
  }
  return 'n';
}

/// The index range of one sort within all active products or one category.
std::string index_range(std::string_view lower_category, char s) {
  if (lower_category.empty()) return std::string("i") + s;
  const auto n = std::min<std::size_t>(lower_category.size(), 0xffff);
  std::string r = "c";
  r.push_back(char(n >> 8));
  r.push_back(char(n & 0xff));
  r.append(lower_category.substr(0, n));
  r.push_back(s);
  return r;
}

/// What the index keys of a product are made of.
struct indexed {
  std::string id;
  std::string name;
  std::string category;
  std::int64_t price_minor = 0;
  std::int64_t created_ns = 0;
  bool active = false;
  explicit indexed(const catalog_product& p)
      : id(p.id),
        name(p.name),
        category(p.category),
        price_minor(p.price_minor),
        created_ns(p.created_ns),
        active(p.active) {}
};

std::string sort_key(const indexed& p, char s) {
  switch (s) {
    case 'p':
      return sortable_i64(p.price_minor);
    case 't':
      return sortable_i64(p.created_ns);
    default:
      return lower_ascii(p.name) + '\0';
  }
}

/// Every index key of an active product (none for an inactive one).
std::vector<std::string> index_keys(const indexed& p) {
  std::vector<std::string> keys;
  if (!p.active) return keys;
  const auto cat = lower_ascii(p.category);
  for (char s : sorts) {
    const auto k = sort_key(p, s);
    keys.push_back(index_range("", s) + k + p.id);
    keys.push_back(index_range(cat, s) + k + p.id);
  }
  return keys;
}

void reindex(batch_writer& out, const std::optional<indexed>& before, const indexed& after) {
  const auto old_keys = before ? index_keys(*before) : std::vector<std::string>{};
  const auto new_keys = index_keys(after);
  for (const auto& k : old_keys)
    if (std::find(new_keys.begin(), new_keys.end(), k) == new_keys.end()) out.erase(k);
  const auto price = sortable_i64(after.price_minor);
  for (const auto& k : new_keys) out.put(k, price);
}

/// Events that change only stock figures, never an index key.
bool is_stock_event(const domain::any_event& e) {
  return std::holds_alternative<domain::product_restocked>(e) ||
         std::holds_alternative<domain::product_stock_reserved>(e) ||
         std::holds_alternative<domain::product_reservation_released>(e) ||
         std::holds_alternative<domain::product_reservation_committed>(e);
}

bool contains_lower(std::string_view haystack, std::string_view lower_needle) {
  return lower_ascii(haystack).find(lower_needle) != std::string::npos;
}

}  // namespace

namespace rm {

bool fold_product(std::optional<catalog_product>& current, const domain::any_event& decoded,
                  const es::recorded_event& event) {
  auto existing = [&]() -> catalog_product& {
    if (!current) throw projection_error(event.stream + ": event before ProductCreated");
    return *current;
  };
  bool relevant = true;
  std::visit(overloaded{
                 [&](const domain::product_created& e) {
                   catalog_product p;
                   p.id = e.product_id.value();
                   p.sku = e.sku;
                   p.name = e.name;
                   p.description = e.description;
                   p.category = e.category;
                   p.price_minor = e.price.minor_units;
                   p.currency = std::string(e.price.currency.code());
                   p.images = e.images;
                   p.active = true;
                   p.available = e.initial_stock;
                   p.created_ns = event.timestamp_ns;
                   current = std::move(p);
                 },
                 [&](const domain::product_updated& e) {
                   auto& p = existing();
                   if (e.name) p.name = *e.name;
                   if (e.description) p.description = *e.description;
                   if (e.category) p.category = *e.category;
                   if (e.price) {
                     p.price_minor = e.price->minor_units;
                     p.currency = std::string(e.price->currency.code());
                   }
                   if (e.images) p.images = *e.images;
                 },
                 [&](const domain::product_deactivated&) { existing().active = false; },
                 [&](const domain::product_reactivated&) { existing().active = true; },
                 [&](const domain::product_restocked& e) { existing().available += e.quantity; },
                 [&](const domain::product_stock_reserved& e) {
                   auto& p = existing();
                   p.available = minus_saturating(p.available, e.quantity);
                   p.reserved += e.quantity;
                 },
                 [&](const domain::product_reservation_released& e) {
                   auto& p = existing();
                   p.reserved = minus_saturating(p.reserved, e.quantity);
                   p.available += e.quantity;
                 },
                 [&](const domain::product_reservation_committed& e) {
                   auto& p = existing();
                   p.reserved = minus_saturating(p.reserved, e.quantity);
                   p.sold += e.quantity;
                 },
                 [&](const auto&) { relevant = false; },
             },
             decoded);
  return relevant;
}

}  // namespace rm

std::string encode_product(const catalog_product& p) {
  value_writer w;
  w.str(p.id).str(p.sku).str(p.name).str(p.description).str(p.category).i64(p.price_minor).str(p.currency);
  w.u64(p.images.size());
  for (const auto& i : p.images) w.str(i);
  w.boolean(p.active)
      .u64(p.available)
      .u64(p.reserved)
      .u64(p.sold)
      .u64(p.version)
      .i64(p.created_ns)
      .i64(p.updated_ns);
  return w.take();
}

std::optional<catalog_product> decode_product(std::string_view bytes) {
  value_reader r(bytes);
  catalog_product p;
  p.id = r.str();
  p.sku = r.str();
  p.name = r.str();
  p.description = r.str();
  p.category = r.str();
  p.price_minor = r.i64();
  p.currency = r.str();
  const auto images = r.u64();
  for (std::uint64_t i = 0; i < images && r.ok(); ++i) p.images.push_back(r.str());
  p.active = r.boolean();
  p.available = r.u32();
  p.reserved = r.u32();
  p.sold = r.u32();
  p.version = r.u64();
  p.created_ns = r.i64();
  p.updated_ns = r.i64();
  if (!r.done()) return std::nullopt;
  return p;
}

bool catalog_projection::wants_decoded(const es::recorded_event& event) const {
  return event.stream.starts_with(product_stream_prefix);
}

void catalog_projection::apply(batch_writer& out, const log_event& event) {
  if (!wants_decoded(event)) return;
  const auto& decoded = event.decoded(model);
  const std::string key = std::string(product_key) + event.stream.substr(product_stream_prefix.size());

  // A product is created once: its first event needs no read.
  auto current = std::holds_alternative<domain::product_created>(decoded)
                     ? std::optional<catalog_product>()
                     : load_value(out, key, model, decode_product);
  std::optional<indexed> before;
  if (current && !is_stock_event(decoded)) before.emplace(*current);
  if (!fold_product(current, decoded, event)) return;
  current->version = event.version.value();
  current->updated_ns = event.timestamp_ns;
  if (!is_stock_event(decoded)) reindex(out, before, indexed(*current));
  out.put(key, encode_product(*current));
}

catalog_query::catalog_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

es::store_result<std::optional<catalog_product>> catalog_query::get(std::string_view product_id) const {
  return query_value(store_, prefix_ + std::string(product_key) + std::string(product_id), model,
                     decode_product);
}

es::store_result<std::vector<catalog_product>> catalog_query::list(std::size_t offset,
                                                                   std::size_t limit) const {
  std::vector<catalog_product> out;
  if (limit == 0) return out;
  std::size_t skipped = 0;
  std::string bad;
  auto scanned = scan(store_, prefix_, product_key, prefix_end_of(product_key),
                      [&](std::string_view key, std::string_view value) {
                        if (skipped < offset) {
                          ++skipped;
                          return true;
                        }
                        auto p = decode_product(value);
                        if (!p) {
                          bad = key;
                          return false;
                        }
                        out.push_back(std::move(*p));
                        return out.size() < limit;
                      });
  if (!scanned) return fail(scanned.error());
  if (!bad.empty()) return fail(corrupt(model, bad));
  return out;
}

es::store_result<page<catalog_product>> catalog_query::search(const catalog_filter& f) const {
  if (auto bad = check_page(f.page)) return fail(invalid(*bad));
  if (f.min_price_minor && f.max_price_minor && *f.min_price_minor > *f.max_price_minor)
    return fail(invalid("minimum price is above the maximum price"));
  page<catalog_product> out;
  out.page = f.page.page;
  out.size = f.page.size;
  const auto first = f.page.offset();
  const auto in_price = [&](std::int64_t price) {
    return (!f.min_price_minor || price >= *f.min_price_minor) &&
           (!f.max_price_minor || price <= *f.max_price_minor);
  };
  const auto lower_category = lower_ascii(f.category);

  if (f.text.empty() && !f.include_inactive) {
    // Index path: the matching ids in index order (keys only), then the page's products.
    const char s = sort_char(f.sort);
    const auto range = index_range(lower_category, s);
    std::string begin = range, end = prefix_end_of(range);
    if (s == 'p' && f.min_price_minor) begin = range + sortable_i64(*f.min_price_minor);
    if (s == 'p' && f.max_price_minor && *f.max_price_minor < std::numeric_limits<std::int64_t>::max())
      end = range + sortable_i64(*f.max_price_minor + 1);
    std::vector<std::string> ids;
    auto scanned = scan(store_, prefix_, begin, end, [&](std::string_view key, std::string_view value) {
      if (!in_price(std::int64_t(read_be64(value) ^ (std::uint64_t(1) << 63)))) return true;
      auto rest = key.substr(range.size());
      if (s == 'n') {
        const auto nul = rest.find('\0');
        rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
      } else {
        rest = rest.size() >= 8 ? rest.substr(8) : std::string_view{};
      }
      ids.emplace_back(rest);
      return true;
    });
    if (!scanned) return fail(scanned.error());
    out.total = ids.size();
    for (std::uint64_t i = first; i < ids.size() && i < first + f.page.size; ++i) {
      const auto& id = f.direction == sort_direction::asc ? ids[i] : ids[ids.size() - 1 - i];
      auto p = get(id);
      if (!p) return fail(p.error());
      if (!*p) return fail(corrupt(model, "index entry of missing product " + id));
      out.items.push_back(std::move(**p));
    }
    return out;
  }

  // Scan path: every product, filtered and sorted in memory.
  const auto needle = lower_ascii(f.text);
  std::vector<catalog_product> all;
  std::string bad;
  auto scanned = scan(
      store_, prefix_, product_key, prefix_end_of(product_key),
      [&](std::string_view key, std::string_view value) {
        auto p = decode_product(value);
        if (!p) {
          bad = key;
          return false;
        }
        if (!f.include_inactive && !p->active) return true;
        if (!lower_category.empty() && lower_ascii(p->category) != lower_category) return true;
        if (!in_price(p->price_minor)) return true;
        if (!needle.empty() && !contains_lower(p->name, needle) && !contains_lower(p->description, needle))
          return true;
        all.push_back(std::move(*p));
        return true;
      });
  if (!scanned) return fail(scanned.error());
  if (!bad.empty()) return fail(corrupt(model, bad));
  const char s = sort_char(f.sort);
  std::vector<std::pair<std::string, std::size_t>> order;  // (sort key + id, index)
  order.reserve(all.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    order.emplace_back(sort_key(indexed(all[i]), s) + all[i].id, i);
  std::sort(order.begin(), order.end());
  if (f.direction == sort_direction::desc) std::reverse(order.begin(), order.end());
  out.total = all.size();
  for (std::uint64_t i = first; i < order.size() && i < first + f.page.size; ++i)
    out.items.push_back(std::move(all[order[i].second]));
  return out;
}

std::string catalog_projection::describe(std::string_view key, std::string_view value) const {
  if (!key.starts_with(product_key)) {  // a sort or category index key: its value is the price
    if (value.size() != 8) return {};
    const auto price = static_cast<std::int64_t>(read_be64(value) ^ (std::uint64_t(1) << 63));
    return json_text({{"price", price}});
  }
  const auto p = decode_product(value);
  return p ? product_json(*p) : std::string();
}

}  // namespace mercato::projections
