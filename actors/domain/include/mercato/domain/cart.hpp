#pragma once
// Carts: one per user, its id derived from the user's (cart_id_for), so "one open cart per
// user" holds by construction. A checkout empties the cart; it takes new items right away.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mercato/domain/order_line.hpp>
#include <mercato/domain/types.hpp>

namespace mercato::domain {

struct cart_config {
  std::uint32_t max_line_quantity = 99;  // units per line: 1..max
};

/// What the runtime found when it looked the product up (the cart cannot see products).
struct product_view {
  bool exists = false;
  bool active = false;
  std::string name;
  money unit_price;
};

struct cart_line {
  product_id product;
  std::string name;  // as seen when the line was first added
  quantity qty;
  money unit_price;  // as seen when the line was first added; the line keeps it
  bool operator==(const cart_line&) const = default;
};

/// `checked_out`: the last thing that happened was a checkout (the cart is empty); adding an
/// item makes it `open` again.
enum class cart_status : std::uint8_t { open = 0, checked_out };

struct cart_state {
  cart_id id;  // empty until the first item is added
  user_id user;
  cart_status status = cart_status::open;
  std::vector<cart_line> lines;  // in the order they were added
  checkout_id last_checkout;     // empty if never checked out
  order_id last_order;

  const cart_line* line_of(const product_id& product) const noexcept;
  bool operator==(const cart_state&) const = default;
};

// ---- commands -------------------------------------------------------------------------

/// Adds `quantity` units; to an existing line they are summed. The first add names the user.
struct add_cart_item {
  user_id user;
  product_id product;
  std::int64_t quantity = 0;
  product_view view;
};

/// Sets a line's quantity.
struct change_cart_item_quantity {
  product_id product;
  std::int64_t quantity = 0;
};

struct remove_cart_item {
  product_id product;
};

struct clear_cart {};

/// Hands the cart's content to checkout `checkout`, placing `order`; empties the cart.
struct check_out_cart {
  order_id order;
  checkout_id checkout;
};

using cart_command =
    std::variant<add_cart_item, change_cart_item_quantity, remove_cart_item, clear_cart, check_out_cart>;

// ---- events ---------------------------------------------------------------------------

struct cart_item_added {
  static constexpr std::string_view type_name = "CartItemAdded";
  cart_id cart;
  user_id user;
  product_id product;
  std::string product_name;
  quantity qty;            // added by this command
  money unit_price;        // the line's price (kept from the first add)
  quantity line_quantity;  // the line's quantity afterwards
  bool operator==(const cart_item_added&) const = default;
};

struct cart_item_quantity_changed {
  static constexpr std::string_view type_name = "CartItemQuantityChanged";
  cart_id cart;
  product_id product;
  quantity qty;
  quantity previous_qty;
  bool operator==(const cart_item_quantity_changed&) const = default;
};

struct cart_item_removed {
  static constexpr std::string_view type_name = "CartItemRemoved";
  cart_id cart;
  product_id product;
  bool operator==(const cart_item_removed&) const = default;
};

struct cart_cleared {
  static constexpr std::string_view type_name = "CartCleared";
  cart_id cart;
  bool operator==(const cart_cleared&) const = default;
};

struct cart_checked_out {
  static constexpr std::string_view type_name = "CartCheckedOut";
  cart_id cart;
  order_id order;
  checkout_id checkout;
  bool operator==(const cart_checked_out&) const = default;
};

using cart_event = std::variant<cart_item_added, cart_item_quantity_changed, cart_item_removed, cart_cleared,
                                cart_checked_out>;

// ---- rules ----------------------------------------------------------------------------

/// Refusals: add for another user than the cart's → forbidden; product missing →
/// product_not_found; inactive → product_inactive; price without currency or negative →
/// invalid_price; a new line in another currency than the cart's → currency_mismatch;
/// quantity (or the summed line) outside 1..max → quantity_out_of_range; change or remove of
/// a product not in the cart → line_not_found; checkout of an empty cart → cart_empty.
/// No events: clearing an empty cart, setting a line's current quantity, checking out again
/// with the last checkout's id (a resumed checkout).
decision<cart_event> decide(const cart_state& state, const cart_command& command,
                            const cart_config& config = {});

cart_state apply(cart_state state, const cart_event& event);

/// The cart's lines as order lines (totals computed), checked by check_lines; refusals as
/// there (`cart_empty` for an empty cart).
mercato::result<std::vector<order_line>, domain_error> order_lines_of(const cart_state& cart);

}  // namespace mercato::domain
