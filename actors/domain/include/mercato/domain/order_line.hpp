#pragma once
// Order lines (schemas/common.capnp OrderLine): a product, its name and unit price as the
// cart saw them, a quantity and the line total.
#include <string>
#include <vector>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// Builds a line, computing its total. Refusal: invalid_request on overflow.
mercato::result<order_line, domain_error> make_order_line(product_id product, std::string name,
                                                          std::uint32_t quantity, money unit_price);

/// The total of `lines` after checking them: at least one line (`cart_empty`); every
/// quantity ≥ 1 (`quantity_out_of_range`); prices ≥ 0 with a currency (`invalid_price`); one
/// currency for all (`currency_mismatch`); each line_total = unit_price × quantity
/// (`invalid_request`); each product on one line only (`invalid_request`: a product holds one
/// reservation per order); no overflow (`invalid_request`).
mercato::result<money, domain_error> check_lines(const std::vector<order_line>& lines);

}  // namespace mercato::domain
