#pragma once
// The catalog read model (issue #4 "Read models", first slice): one value per product,
// fed by the product events, queried by id or paged by id.
//
// Keys: key_prefix("catalog", catalog_projection::current_version) + "product/" + product id,
// value = encode_product(...) (JSON; the format is private to this read model and changes
// only together with the version).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>

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
  std::uint32_t available = 0;   ///< stock free to reserve (stock − open reservations)
  std::uint32_t reserved = 0;    ///< units held by open reservations
  std::uint32_t sold = 0;        ///< units committed to orders
  std::uint64_t version = 0;     ///< stream version of the last applied event
  std::int64_t created_ns = 0;   ///< commit time of ProductCreated
  std::int64_t updated_ns = 0;   ///< commit time of the last applied event
  bool operator==(const catalog_product&) const = default;
};

std::string encode_product(const catalog_product& p);
/// Nullopt for a value that is not a catalog_product encoding.
std::optional<catalog_product> decode_product(std::string_view bytes);

/// Applies ProductCreated/Updated/Deactivated/Reactivated/Restocked/StockReserved/
/// ReservationReleased/ReservationCommitted of "product/<id>" streams; ignores all else.
/// Stock is folded from quantities (not copied from new_available), so an event applied
/// twice would show. An undecodable product event or one for an unknown product throws
/// projection_error (the runner stalls rather than skip it).
class catalog_projection final : public projection {
public:
  static constexpr std::string_view projection_name = "catalog";
  static constexpr std::uint32_t current_version = 1;
  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  void apply(batch_writer& out, const es::recorded_event& event) override;
};

/// Reads the catalog read model; safe from any thread. Answers what has been committed,
/// so pair it with projection_runner::wait_until for read-your-writes.
class catalog_query {
public:
  explicit catalog_query(const es::event_store& store,
                         std::uint32_t version = catalog_projection::current_version);

  /// The product, or nullopt when no such product was created.
  es::store_result<std::optional<catalog_product>> get(std::string_view product_id) const;
  /// Up to `limit` products sorted by id (byte order), skipping the first `offset`.
  /// Inactive products are included (callers filter). Cost is O(offset + limit).
  es::store_result<std::vector<catalog_product>> list(std::size_t offset, std::size_t limit) const;

private:
  const es::event_store& store_;
  std::string prefix_;  // key_prefix(...) + "product/"
};

}  // namespace mercato::projections
