#pragma once
// One line of an order or a checkout, frozen when the cart is checked out, and the rule that
// makes a list of lines an order: non-empty, one currency, totals that add up.
#include <string>
#include <vector>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

struct order_line {
  product_id product;
  std::string name;  // as the cart saw it when the item was added
  quantity qty;
  money unit_price;  // as seen when the item was added to the cart
  money line_total;  // unit_price × qty
  bool operator==(const order_line&) const = default;
};

/// Builds a line, computing its total. Refusal: invalid_request on overflow.
mercato::result<order_line, domain_error> make_order_line(product_id product, std::string name, quantity qty,
                                                          money unit_price);

/// The total of `lines` after checking them: at least one line (`cart_empty`); every
/// quantity ≥ 1 (`quantity_out_of_range`); prices ≥ 0 with a currency (`invalid_price`); one
/// currency for all (`currency_mismatch`); each line_total = unit_price × qty
/// (`invalid_request`); each product on one line only (`invalid_request`: a product holds one
/// reservation per order); no overflow (`invalid_request`).
mercato::result<money, domain_error> check_lines(const std::vector<order_line>& lines);

}  // namespace mercato::domain
