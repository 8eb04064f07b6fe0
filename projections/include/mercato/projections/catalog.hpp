#pragma once
// The catalog read model: products with current price, active
// flag, category and available stock; paged search with text, category and price filters,
// sorted by name, price or newest.
//
// Keys (relative to the keyspace prefix; see projections/README.md "Read models"):
//   "p/" + id                        → the product (compact binary, private to this model)
//   "i" + S + sortkey + id           → ""   for every ACTIVE product, S ∈ {n, p, t}
//   "c" + len16(cat) + cat + S + sortkey + id → same, per lower-cased category
//     sortkey: n = lower-cased name + '\0'; p = price (8 bytes big-endian, sign-flipped);
//              t = created time (8 bytes big-endian, sign-flipped)
//   Index values are the price (8 bytes), so price ranges filter without reading products.
// Stock events only rewrite "p/<id>"; index keys change only on create, name/price/category
// change, deactivate and reactivate.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/query.hpp>

namespace mercato::projections {

struct catalog_product {
  std::string id;  ///< product id (without the "product/" stream prefix)
  std::string sku;
  std::string name;
  std::string description;
  std::string category;
  std::int64_t price_minor = 0;  ///< minor units of `currency`
  std::string currency;          ///< ISO 4217, e.g. "EUR"
  std::vector<std::string> images;
  bool active = false;
  std::uint32_t available = 0;  ///< stock free to reserve: on-hand stock − open reservations
  std::uint32_t reserved = 0;   ///< units held by open reservations
  std::uint32_t sold = 0;       ///< units committed to orders (shipped)
  std::uint64_t version = 0;    ///< stream version of the last applied event
  std::int64_t created_ns = 0;  ///< commit time of ProductCreated
  std::int64_t updated_ns = 0;  ///< commit time of the last applied event
  /// Units physically on hand (available + reserved).
  std::uint64_t on_hand() const noexcept { return std::uint64_t(available) + reserved; }
  bool operator==(const catalog_product&) const = default;
};

std::string encode_product(const catalog_product& p);
/// Nullopt for a value that is not a catalog_product encoding.
std::optional<catalog_product> decode_product(std::string_view bytes);

/// Applies ProductCreated/Updated/Deactivated/Reactivated/Restocked/StockReserved/
/// ReservationReleased/ReservationCommitted of "product/<id>" streams; ignores all else
/// (without decoding it: the envelope's type name is checked first).
/// Stock is folded from quantities (not copied from new_stock), so an event applied
/// twice would show. An undecodable product event or one for an unknown product throws
/// projection_error (the runner stalls rather than skip it).
class catalog_projection final : public projection {
 public:
  static constexpr std::string_view projection_name = "catalog";
  static constexpr std::uint32_t current_version = 2;  // 2: binary values + sort indexes
  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  bool wants_decoded(const es::recorded_event& event) const override;
  void apply(batch_writer& out, const log_event& event) override;
  std::string describe(std::string_view key, std::string_view value) const override;
};

enum class catalog_sort : std::uint8_t { name, price, newest };
enum class sort_direction : std::uint8_t { asc, desc };

/// GET /api/v1/products. Every filter is optional; they combine with AND.
struct catalog_filter {
  /// Case-insensitive (ASCII) substring of the name or the description; empty = any.
  std::string text;
  /// Exact category, compared case-insensitively (ASCII); empty = any.
  std::string category;
  std::optional<std::int64_t> min_price_minor;     ///< inclusive
  std::optional<std::int64_t> max_price_minor;     ///< inclusive
  bool include_inactive = false;                   ///< default: active products only
  catalog_sort sort = catalog_sort::name;          ///< by (sort key, product id); name compares lower-cased
  sort_direction direction = sort_direction::asc;  ///< desc reverses the whole order (ties too)
  page_request page;
};

/// Reads the catalog read model; safe from any thread. Answers what has been committed,
/// so pair it with the host's wait_until for read-your-writes.
class catalog_query {
 public:
  /// `prefix`: the catalog's active keyspace (host::active_prefix("catalog")).
  catalog_query(const es::event_store& store, std::string prefix);

  /// The product (active or not), or nullopt when no such product was created.
  es::store_result<std::optional<catalog_product>> get(std::string_view product_id) const;
  /// Up to `limit` products sorted by id (byte order), skipping the first `offset`.
  /// Inactive products are included. Cost is O(offset + limit).
  es::store_result<std::vector<catalog_product>> list(std::size_t offset, std::size_t limit) const;

  /// One page of the products matching `f`, with the total count.
  /// Cost: without text and with active-only, a key-only scan of the chosen index
  /// (all active products, or one category's; a price range with sort=price seeks to it)
  /// plus one point read per returned product. With text or include_inactive: a scan of
  /// every product value (O(products)), filtered and sorted in memory.
  /// Errors: invalid_argument for a bad page or min > max price.
  es::store_result<page<catalog_product>> search(const catalog_filter& f) const;

 private:
  const es::event_store& store_;
  std::string prefix_;
};

}  // namespace mercato::projections
