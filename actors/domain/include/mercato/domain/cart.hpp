#pragma once
// Carts: one per user, its id derived from the user's (cart_id_for), so "one open cart per
// user" holds by construction. A checkout empties the cart; it takes new items right away.
// The status `checked_out` means the last thing that happened was a checkout (the cart is
// empty); adding an item makes it `open` again.
// State, commands and events: schemas (CartState, AddCartItem..., CartItemAdded...).
#include <cstdint>
#include <vector>

#include <mercato/domain/order_line.hpp>
#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// What a line's quantity and a cart's units in all can never exceed: the width of the
/// quantities and item counts (UInt32) in events, read models and orders.
inline constexpr std::uint32_t max_cart_units = 4294967295U;

struct cart_config {
  /// Units per line: 1..max; 0: no limit of its own (a line still holds at most
  /// max_cart_units). The node sets it from `actors.max_line_quantity`.
  std::uint32_t max_line_quantity = 99;
};

/// The line holding `product`, or nullptr.
const cart_line* line_of(const cart_state& cart, const product_id& product) noexcept;

/// Refusals: add for another user than the cart's → forbidden; product missing →
/// product_not_found; inactive → product_inactive; price without currency or negative →
/// invalid_price; a new line in another currency than the cart's → currency_mismatch;
/// quantity (or the summed line) outside 1..max, a cart of more than max_cart_units units in
/// all, or a line total money cannot hold → quantity_out_of_range; change or remove of
/// a product not in the cart → line_not_found; checkout of an empty cart → cart_empty.
/// No events: clearing an empty cart, setting a line's current quantity, checking out again
/// with the last checkout's id (a resumed checkout).
decision<cart_event> decide(const cart_state& state, const cart_command& command,
                            const cart_config& config = {});

/// Folds one event; `committed_at_ns` becomes the cart's updated_at_ns.
cart_state apply(cart_state state, const cart_event& event, std::int64_t committed_at_ns = 0);

/// Cart states of fold version 1 (before updated_at_ns) are not used: their streams replay.
template <>
inline constexpr std::uint32_t state_version<cart_state> = 2;

/// The cart's lines as order lines (totals computed), checked by check_lines; refusals as
/// there (`cart_empty` for an empty cart).
mercato::result<std::vector<order_line>, domain_error> order_lines_of(const cart_state& cart);

}  // namespace mercato::domain
