#pragma once
// Carts as shoppers see them (GET /api/v1/cart). The read model folds a cart's events with
// the cart entity's own rule (domain::apply) and keeps the resulting state, so the cart a
// query shows and the cart a command answers with are the same value through the same
// view_of and the same JSON renderer (json.hpp).
//
// Keys (relative to the keyspace prefix):
//   "c/" + cart id → stream version (8 bytes, big-endian) + the CartState message (codec).
//   A user's cart id is domain::cart_id_for(user) ("cart-" + user id), so a user's cart is
//   one point read.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/codec/snapshots.types.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/query.hpp>

namespace mercato::projections {

struct cart_view_line {
  std::string product_id;
  std::string name;                   ///< as seen when the line was first added
  std::int64_t unit_price_minor = 0;  ///< as seen when the line was first added
  std::uint32_t quantity = 0;
  std::int64_t line_total_minor = 0;  ///< unit_price_minor × quantity
  bool operator==(const cart_view_line&) const = default;
};

struct cart_view {
  std::string id;  ///< cart id ("cart-" + user id)
  std::string user_id;
  std::vector<cart_view_line> lines;  ///< in the order they were first added
  std::int64_t total_minor = 0;       ///< sum of line totals
  std::string currency;               ///< of the lines; "" for an empty cart
  std::uint32_t item_count = 0;       ///< sum of quantities
  std::uint64_t version = 0;          ///< stream version of the last applied event (0: no cart yet)
  bool checked_out = false;           ///< last event was CartCheckedOut (lines are then empty)
  std::string last_order_id;          ///< order of the last checkout, "" if none
  std::int64_t updated_ns = 0;        ///< commit time of the last applied event
  bool operator==(const cart_view&) const = default;
};

/// What a shopper sees of a cart state at stream version `version`: lines with their
/// totals, item count, total, currency (of the lines; "" when empty).
cart_view view_of(const domain::cart_state& s, std::uint64_t version);

/// The stored record of a cart, and back (nullopt for bytes it cannot read).
std::string encode_cart(const domain::cart_state& s, std::uint64_t version);
std::optional<cart_view> decode_cart(std::string_view bytes);

/// Applies the cart events of "cart/<id>" streams with domain::apply; ignores all else.
class carts_projection final : public projection {
 public:
  static constexpr std::string_view projection_name = "carts";
  static constexpr std::uint32_t current_version = 2;  // 2: the record is the cart state
  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  bool wants_decoded(const es::recorded_event& event) const override;
  void apply(batch_writer& out, const log_event& event) override;
  std::string describe(std::string_view key, std::string_view value) const override;
};

class carts_query {
 public:
  carts_query(const es::event_store& store, std::string prefix);
  /// The cart with this id, or nullopt when it never had an item.
  es::store_result<std::optional<cart_view>> get(std::string_view cart_id) const;
  /// The user's cart; an empty cart (id and user set, version 0) when it never had an item.
  es::store_result<cart_view> for_user(std::string_view user_id) const;

 private:
  const es::event_store& store_;
  std::string prefix_;
};

}  // namespace mercato::projections
