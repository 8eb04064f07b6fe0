// Order line arithmetic.
#include <set>

#include <mercato/domain/order_line.hpp>

namespace mercato::domain {
namespace {

mercato::status<domain_error> check_line(const order_line& l, const money& first_price) {
  const auto& id = l.product_id.value();
  if (id.empty()) return refuse(domain_errc::invalid_request, "a line has no productId");
  if (l.quantity == 0) return refuse(domain_errc::quantity_out_of_range, "line " + id + " has no units");
  if (!l.unit_price.currency.valid() || l.unit_price.minor_units < 0)
    return refuse(domain_errc::invalid_price, "line " + id + " has an invalid unit price");
  if (l.unit_price.currency != first_price.currency || l.line_total.currency != first_price.currency)
    return refuse(domain_errc::currency_mismatch,
                  "line " + id + " is not in " + std::string(first_price.currency.code()));
  auto expected = multiply(l.unit_price, l.quantity);
  if (!expected) return mercato::fail(expected.error());
  if (*expected != l.line_total)
    return refuse(domain_errc::invalid_request, "line " + id + " total is not unit price × quantity");
  return mercato::ok;
}

}  // namespace

mercato::result<order_line, domain_error> make_order_line(product_id product, std::string name,
                                                          std::uint32_t quantity, money unit_price) {
  auto total = multiply(unit_price, quantity);
  if (!total) return mercato::fail(total.error());
  return order_line{std::move(product), std::move(name), quantity, unit_price, *total};
}

mercato::result<money, domain_error> check_lines(const std::vector<order_line>& lines) {
  if (lines.empty()) return refuse(domain_errc::cart_empty, "an order needs at least one line");
  auto total = money::zero(lines.front().unit_price.currency);
  std::set<product_id> seen;  // a product reserves once per order, so it is one line
  for (const auto& l : lines) {
    if (auto ok = check_line(l, lines.front().unit_price); !ok) return mercato::fail(ok.error());
    if (!seen.insert(l.product_id).second)
      return refuse(domain_errc::invalid_request, "product " + l.product_id.value() + " is on two lines");
    auto sum = add(total, l.line_total);
    if (!sum) return mercato::fail(sum.error());
    total = *sum;
  }
  return total;
}

}  // namespace mercato::domain
