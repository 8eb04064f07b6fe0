#pragma once
// Products and their inventory. `available` is the stock free to reserve; units held by
// reservations are not in it, so "never oversold" is "available never goes below zero",
// and one product's stream serialises every reservation of it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// Units of the product held for one order (at most one reservation per order).
struct stock_reservation {
  order_id order;
  quantity qty;
  bool operator==(const stock_reservation&) const = default;
};

struct product_state {
  product_id id;  // empty until created
  std::string sku;
  std::string name;
  std::string description;
  std::string category;
  money price;
  std::vector<std::string> images;
  bool active = false;
  std::uint32_t available = 0;                  // free to reserve (ProductState.stock)
  std::vector<stock_reservation> reservations;  // open ones, in the order they were made
  std::uint32_t sold = 0;                       // units committed to orders so far

  bool exists() const noexcept { return !id.value().empty(); }
  /// The open reservation of `order`, or nullptr.
  const stock_reservation* reservation_of(const order_id& order) const noexcept;
  bool operator==(const product_state&) const = default;
};

// ---- commands -------------------------------------------------------------------------

/// Adds a product, active. Name required; price ≥ 0 in an ISO currency; 0 ≤ stock ≤ 2^32-1.
struct create_product {
  product_id id;
  std::string sku;
  std::string name;
  std::string description;
  std::string category;
  money price;
  std::vector<std::string> images;
  std::int64_t initial_stock = 0;
};

/// Changes the given fields only; a field left empty is untouched.
struct update_product {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<money> price;
  std::optional<std::vector<std::string>> images;
};

struct deactivate_product {};
struct reactivate_product {};

/// Adds `quantity` (> 0) units to the free stock.
struct restock_product {
  std::int64_t quantity = 0;
};

/// Holds `qty` (> 0) units for `order`.
struct reserve_stock {
  order_id order;
  std::int64_t qty = 0;
};

/// Gives `order`'s reservation back to the free stock.
struct release_reservation {
  order_id order;
  cancel_reason reason = cancel_reason::unspecified;
  std::string detail;
};

/// Turns `order`'s reservation into a sale: the units leave inventory for good.
struct commit_reservation {
  order_id order;
};

using product_command = std::variant<create_product, update_product, deactivate_product, reactivate_product,
                                     restock_product, reserve_stock, release_reservation, commit_reservation>;

// ---- events ---------------------------------------------------------------------------

struct product_created {
  static constexpr std::string_view type_name = "ProductCreated";
  product_id id;
  std::string sku;
  std::string name;
  std::string description;
  std::string category;
  money price;
  std::vector<std::string> images;
  std::uint32_t initial_stock = 0;
  bool operator==(const product_created&) const = default;
};

/// Only the fields that changed are set.
struct product_updated {
  static constexpr std::string_view type_name = "ProductUpdated";
  product_id id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<money> price;
  std::optional<std::vector<std::string>> images;
  bool operator==(const product_updated&) const = default;
};

struct product_deactivated {
  static constexpr std::string_view type_name = "ProductDeactivated";
  product_id id;
  bool operator==(const product_deactivated&) const = default;
};

struct product_reactivated {
  static constexpr std::string_view type_name = "ProductReactivated";
  product_id id;
  bool operator==(const product_reactivated&) const = default;
};

struct product_restocked {
  static constexpr std::string_view type_name = "ProductRestocked";
  product_id id;
  quantity qty;
  std::uint32_t new_available = 0;
  bool operator==(const product_restocked&) const = default;
};

struct product_stock_reserved {
  static constexpr std::string_view type_name = "ProductStockReserved";
  product_id id;
  order_id order;
  quantity qty;
  std::uint32_t new_available = 0;
  bool operator==(const product_stock_reserved&) const = default;
};

struct product_reservation_released {
  static constexpr std::string_view type_name = "ProductReservationReleased";
  product_id id;
  order_id order;
  quantity qty;
  cancel_reason reason = cancel_reason::unspecified;
  std::string detail;
  std::uint32_t new_available = 0;
  bool operator==(const product_reservation_released&) const = default;
};

struct product_reservation_committed {
  static constexpr std::string_view type_name = "ProductReservationCommitted";
  product_id id;
  order_id order;
  quantity qty;
  bool operator==(const product_reservation_committed&) const = default;
};

using product_event = std::variant<product_created, product_updated, product_deactivated, product_reactivated,
                                   product_restocked, product_stock_reserved, product_reservation_released,
                                   product_reservation_committed>;

// ---- rules ----------------------------------------------------------------------------

/// Refusals: create on an existing product → product_exists; blank name or empty id →
/// invalid_request; negative price or no currency → invalid_price; negative stock →
/// stock_negative; any other command on a missing product → product_not_found; restock or
/// reserve of ≤ 0 units or beyond 2^32-1 → invalid_request; reserve of an inactive product →
/// product_inactive; more than available → insufficient_stock; a second reservation for an
/// order with another quantity → reservation_exists (same quantity: no events); release or
/// commit without a reservation → reservation_not_found. An update that changes nothing,
/// deactivating an inactive or reactivating an active product succeed with no events.
decision<product_event> decide(const product_state& state, const product_command& command);

product_state apply(product_state state, const product_event& event);

}  // namespace mercato::domain
