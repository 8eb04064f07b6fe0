// The catalog read model: fold of product events, JSON encoding, queries.
#include <nlohmann/json.hpp>

#include <mercato/domain/codec.hpp>
#include <mercato/eventstore/envelope.hpp>
#include <mercato/projections/catalog.hpp>

namespace mercato::projections {

namespace {

constexpr std::string_view product_stream_prefix = "product/";
constexpr std::string_view product_key_prefix = "product/";

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::uint32_t minus_saturating(std::uint32_t a, std::uint32_t b) { return a > b ? a - b : 0; }

}  // namespace

std::string encode_product(const catalog_product& p) {
  nlohmann::json j{{"id", p.id},           {"sku", p.sku},
                   {"name", p.name},       {"description", p.description},
                   {"category", p.category}, {"price_minor", p.price_minor},
                   {"currency", p.currency}, {"images", p.images},
                   {"active", p.active},   {"available", p.available},
                   {"reserved", p.reserved}, {"sold", p.sold},
                   {"version", p.version}, {"created_ns", p.created_ns},
                   {"updated_ns", p.updated_ns}};
  return j.dump();
}

std::optional<catalog_product> decode_product(std::string_view bytes) {
  try {
    const auto j = nlohmann::json::parse(bytes);
    catalog_product p;
    j.at("id").get_to(p.id);
    j.at("sku").get_to(p.sku);
    j.at("name").get_to(p.name);
    j.at("description").get_to(p.description);
    j.at("category").get_to(p.category);
    j.at("price_minor").get_to(p.price_minor);
    j.at("currency").get_to(p.currency);
    j.at("images").get_to(p.images);
    j.at("active").get_to(p.active);
    j.at("available").get_to(p.available);
    j.at("reserved").get_to(p.reserved);
    j.at("sold").get_to(p.sold);
    j.at("version").get_to(p.version);
    j.at("created_ns").get_to(p.created_ns);
    j.at("updated_ns").get_to(p.updated_ns);
    return p;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void catalog_projection::apply(batch_writer& out, const es::recorded_event& event) {
  if (!event.stream.starts_with(product_stream_prefix)) return;
  es::envelope_reader reader(event);
  auto decoded = domain::decode_event(reader.event());
  if (!decoded)
    throw projection_error("catalog: " + event.stream + " v" + std::to_string(event.version.value()) +
                           ": " + decoded.error().message);
  const std::string key =
      std::string(product_key_prefix) + event.stream.substr(product_stream_prefix.size());

  std::optional<catalog_product> current;
  if (auto stored = out.get(key)) {
    current = decode_product(*stored);
    if (!current) throw projection_error("catalog: undecodable read-model value at " + key);
  }
  auto existing = [&]() -> catalog_product& {
    if (!current) throw projection_error("catalog: " + event.stream + ": event before ProductCreated");
    return *current;
  };
  bool relevant = true;
  std::visit(overloaded{
                 [&](const domain::product_created& e) {
                   catalog_product p;
                   p.id = e.id.value();
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
                 [&](const domain::product_restocked& e) { existing().available += e.qty.value(); },
                 [&](const domain::product_stock_reserved& e) {
                   auto& p = existing();
                   p.available = minus_saturating(p.available, e.qty.value());
                   p.reserved += e.qty.value();
                 },
                 [&](const domain::product_reservation_released& e) {
                   auto& p = existing();
                   p.reserved = minus_saturating(p.reserved, e.qty.value());
                   p.available += e.qty.value();
                 },
                 [&](const domain::product_reservation_committed& e) {
                   auto& p = existing();
                   p.reserved = minus_saturating(p.reserved, e.qty.value());
                   p.sold += e.qty.value();
                 },
                 [&](const auto&) { relevant = false; },
             },
             *decoded);
  if (!relevant) return;
  current->version = event.version.value();
  current->updated_ns = event.timestamp_ns;
  out.put(key, encode_product(*current));
}

catalog_query::catalog_query(const es::event_store& store, std::uint32_t version)
    : store_(store),
      prefix_(key_prefix(catalog_projection::projection_name, version) + std::string(product_key_prefix)) {}

es::store_result<std::optional<catalog_product>> catalog_query::get(std::string_view product_id) const {
  auto v = store_.load_projection(prefix_ + std::string(product_id));
  if (!v) return fail(v.error());
  if (!*v) return std::optional<catalog_product>();
  auto p = decode_product(**v);
  if (!p) return fail(es::store_error{es::store_errc::corruption, "catalog: bad value for " + std::string(product_id)});
  return p;
}

es::store_result<std::vector<catalog_product>> catalog_query::list(std::size_t offset, std::size_t limit) const {
  std::vector<catalog_product> out;
  if (limit == 0) return out;
  // The prefix ends in '/'; '0' is the next byte, so [prefix, prefix-with-'0') is exactly it.
  std::string end = prefix_;
  end.back() = '0';
  std::size_t skipped = 0;
  bool bad = false;
  auto scanned = store_.scan_projection(prefix_, end, [&](std::string_view, std::string_view value) {
    if (skipped < offset) {
      ++skipped;
      return true;
    }
    auto p = decode_product(value);
    if (!p) {
      bad = true;
      return false;
    }
    out.push_back(std::move(*p));
    return out.size() < limit;
  });
  if (!scanned) return fail(scanned.error());
  if (bad) return fail(es::store_error{es::store_errc::corruption, "catalog: bad value in list"});
  return out;
}

}  // namespace mercato::projections
