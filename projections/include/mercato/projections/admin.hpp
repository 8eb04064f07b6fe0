#pragma once
// Admin figures: revenue and orders per day, top products,
// low-stock products.
//
// Definitions (all days are UTC dates of the event's commit time, "YYYY-MM-DD"):
//   orders_placed / confirmed / cancelled  — OrderPlaced / OrderConfirmed / OrderCancelled
//                                            events committed that day;
//   captured / refunded (per currency)     — sum of PaymentCaptured / PaymentRefunded
//                                            amounts committed that day;
//   revenue = captured − refunded          — money actually kept, booked on the day it
//                                            moved (a refund lowers the refund's day, not
//                                            the capture's), so it can be negative.
//   units sold — ProductReservationCommitted quantities (stock leaves at shipping).
//   low stock  — ACTIVE products whose available stock (on hand − reserved) ≤ a threshold.
//
// Keys (relative to the keyspace prefix):
//   "d/" + date                               → day figures (compact binary)
//   "s/" + product id                         → product figures (compact binary)
//   "t/" + ~sold (4 bytes BE) + product id    → "" (top products: forward scan = most sold)
//   "l/" + available (4 bytes BE) + product id → "" (active products, fewest available first)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/query.hpp>

namespace mercato::projections {

struct currency_figures {
  std::string currency;
  std::int64_t captured_minor = 0;
  std::int64_t refunded_minor = 0;
  std::int64_t revenue_minor() const noexcept { return captured_minor - refunded_minor; }
  bool operator==(const currency_figures&) const = default;
};

struct day_figures {
  std::string date;  ///< "YYYY-MM-DD" (UTC)
  std::uint64_t orders_placed = 0;
  std::uint64_t orders_confirmed = 0;
  std::uint64_t orders_cancelled = 0;
  std::vector<currency_figures> money;  ///< one entry per currency seen that day, by code
  bool operator==(const day_figures&) const = default;
};

struct product_figures {
  std::string id;
  std::string name;
  std::string category;
  bool active = false;
  std::uint32_t available = 0;
  std::uint32_t reserved = 0;
  std::uint32_t sold = 0;
  bool operator==(const product_figures&) const = default;
};

/// "YYYY-MM-DD" of a UTC time in ns since the epoch.
std::string utc_date(std::int64_t ns);

/// Applies OrderPlaced/Confirmed/Cancelled, PaymentCaptured/Refunded and every product
/// event; ignores all else.
class admin_projection final : public projection {
 public:
  static constexpr std::string_view projection_name = "admin";
  static constexpr std::uint32_t current_version = 1;
  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  bool wants_decoded(const es::recorded_event& event) const override;
  void apply(batch_writer& out, const log_event& event) override;
  std::string describe(std::string_view key, std::string_view value) const override;
};

class admin_query {
 public:
  admin_query(const es::event_store& store, std::string prefix);

  /// Figures of every day in [from, to] (inclusive "YYYY-MM-DD") that had any, oldest
  /// first; days without events are absent. Errors: invalid_argument for a malformed date
  /// or from > to. Cost: O(days in range).
  es::store_result<std::vector<day_figures>> days(std::string_view from, std::string_view to) const;
  /// Up to `limit` (1..max_page_size) products with the most units sold (sold > 0), most
  /// first, ties by id. Cost: O(limit).
  es::store_result<std::vector<product_figures>> top_products(std::size_t limit) const;
  /// Up to `limit` (1..max_page_size) active products with available ≤ threshold, fewest
  /// available first, ties by id. Cost: O(limit).
  es::store_result<std::vector<product_figures>> low_stock(std::uint32_t threshold, std::size_t limit) const;

 private:
  const es::event_store& store_;
  std::string prefix_;
};

}  // namespace mercato::projections
