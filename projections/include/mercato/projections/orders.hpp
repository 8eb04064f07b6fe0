#pragma once
// Orders and payments as their owners see them:
// GET /api/v1/orders (history, newest first, paged), GET /api/v1/orders/{id} (details with
// status timeline, payments and refunds), GET /api/v1/payments/{id}.
//
// Keys (relative to the keyspace prefix):
//   "o/" + order id                                  → the order (compact binary)
//   "u/" + user id + '\0' + ~placed_ns (8 bytes BE) + order id → "" (history index: a
//        forward scan is newest first; ties by order id)
//   "p/" + payment id                                → the payment (compact binary)
//   "q/" + order id + '\0' + payment id              → "" (an order's payments)
// Order and payment streams live on different shards, so a payment may be applied before
// its order; the keys above never need the other entity to exist.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/codec/common.types.hpp>
#include <mercato/codec/snapshots.types.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/query.hpp>

namespace mercato::projections {

struct order_view_line {
  std::string product_id;
  std::string name;
  std::uint32_t quantity = 0;
  std::int64_t unit_price_minor = 0;
  std::int64_t line_total_minor = 0;
  bool operator==(const order_view_line&) const = default;
};

/// One entry of an order's status timeline.
struct order_status_change {
  domain::order_status status = domain::order_status::pending;
  std::int64_t at_ns = 0;  ///< commit time of the event that made it
  bool operator==(const order_status_change&) const = default;
};

struct order_refund_view {
  std::string refund_id;
  std::string payment_id;
  std::int64_t amount_minor = 0;
  std::string reason;
  std::int64_t at_ns = 0;
  bool operator==(const order_refund_view&) const = default;
};

struct payment_refund_view {
  std::string refund_id;
  std::int64_t amount_minor = 0;
  std::string reason;
  std::int64_t at_ns = 0;
  bool operator==(const payment_refund_view&) const = default;
};

struct payment_view {
  std::string id;
  std::string order_id;
  std::string user_id;  ///< the owner (from PaymentAuthorizationRequested)
  domain::payment_status status = domain::payment_status::requested;
  std::int64_t amount_minor = 0;  ///< requested (the order total)
  std::int64_t authorized_minor = 0;
  std::int64_t captured_minor = 0;
  std::int64_t refunded_minor = 0;
  std::string currency;
  std::string provider;
  std::string card_brand;
  std::string token_masked;
  domain::payment_failure_reason failure = domain::payment_failure_reason::unspecified;  ///< when failed
  std::string failure_detail;
  std::string void_reason;  ///< when voided
  std::vector<payment_refund_view> refunds;
  std::uint64_t version = 0;
  std::int64_t created_ns = 0;
  std::int64_t updated_ns = 0;
  bool operator==(const payment_view&) const = default;
};

struct order_view {
  std::string id;
  std::string user_id;
  std::string cart_id;
  std::string checkout_id;
  domain::order_status status = domain::order_status::pending;
  std::vector<order_view_line> lines;
  std::int64_t total_minor = 0;
  std::string currency;
  std::uint32_t item_count = 0;     ///< sum of line quantities
  std::int64_t refunded_minor = 0;  ///< sum of refunds
  std::string payment_id;           ///< the authorized payment, "" until authorized
  std::string tracking;             ///< shipping info, when shipped
  std::string carrier;
  std::int64_t shipped_ns = 0;
  std::int64_t delivered_ns = 0;
  domain::cancel_reason cancel_reason = domain::cancel_reason::unspecified;  ///< when cancelled
  std::string cancel_detail;
  std::string cancelled_by;                   ///< user id, "" when the system cancelled
  std::vector<order_status_change> timeline;  ///< oldest first; starts with pending
  std::vector<order_refund_view> refunds;     ///< oldest first
  std::vector<payment_view> payments;         ///< filled by orders_query::get only (by payment id)
  std::uint64_t version = 0;
  std::int64_t placed_ns = 0;
  std::int64_t updated_ns = 0;
  bool operator==(const order_view&) const = default;
};

/// Applies Order* events of "order/<id>" streams and Payment* events of "payment/<id>"
/// streams; ignores all else. An undecodable event of those streams, or an order/payment
/// event before its stream's first event, throws projection_error.
class orders_projection final : public projection {
 public:
  static constexpr std::string_view projection_name = "orders";
  static constexpr std::uint32_t current_version = 1;
  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  bool wants_decoded(const es::recorded_event& event) const override;
  void apply(batch_writer& out, const log_event& event) override;
  std::string describe(std::string_view key, std::string_view value) const override;
};

class orders_query {
 public:
  orders_query(const es::event_store& store, std::string prefix);

  /// The user's orders, newest first (by placement time, then id), without `payments`.
  /// Cost: key-only scan of the user's history index + one point read per returned order.
  es::store_result<page<order_view>> history(std::string_view user_id, const page_request& p) const;
  /// The order with its payments, or nullopt. Callers check user_id against the caller.
  es::store_result<std::optional<order_view>> get(std::string_view order_id) const;
  /// The payment, or nullopt. Callers check user_id against the caller.
  es::store_result<std::optional<payment_view>> payment(std::string_view payment_id) const;

 private:
  const es::event_store& store_;
  std::string prefix_;
};

}  // namespace mercato::projections
