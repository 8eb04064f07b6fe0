// Cart rules.
#include <algorithm>

#include <mercato/domain/cart.hpp>
#include <mercato/domain/money.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using detail::events;
using cart_decision = decision<cart_event>;

/// The largest quantity a line may hold: the configured limit, or with none (0) what a line's
/// quantity field (UInt32) can hold.
std::int64_t line_limit(const cart_config& cfg) noexcept {
  return cfg.max_line_quantity == 0 ? std::int64_t{max_cart_units} : std::int64_t{cfg.max_line_quantity};
}

mercato::status<domain_error> check_quantity(std::int64_t q, const cart_config& cfg) {
  const auto limit = line_limit(cfg);
  if (q < 1 || q > limit)
    return refuse(
        domain_errc::quantity_out_of_range,
        "quantity must be between 1 and " + std::to_string(limit) + " per line, got " + std::to_string(q));
  return mercato::ok;
}

/// A line of `q` units of `product` at `unit_price` (q already in 1..limit) must leave the
/// cart's units countable in 32 bits (the carts' and orders' item counts) and the line total
/// representable, so nothing downstream wraps around.
mercato::status<domain_error> check_line_fits(const cart_state& s, const product_id& product, std::int64_t q,
                                              const money& unit_price) {
  std::int64_t units = q;
  for (const auto& l : s.lines)
    if (l.product_id != product) units += l.quantity;
  if (units > std::int64_t{max_cart_units})
    return refuse(domain_errc::quantity_out_of_range,
                  "a cart holds at most " + std::to_string(max_cart_units) + " units in all");
  if (!multiply(unit_price, static_cast<std::uint32_t>(q)))
    return refuse(domain_errc::quantity_out_of_range,
                  "the total of " + std::to_string(q) + " units of " + product.value() + " is too large");
  return mercato::ok;
}

mercato::status<domain_error> check_view(const add_cart_item& c) {
  const auto& id = c.product_id.value();
  if (id.empty()) return refuse(domain_errc::invalid_request, "productId is required");
  if (!c.product.exists) return refuse(domain_errc::product_not_found, "product " + id + " does not exist");
  if (!c.product.active) return refuse(domain_errc::product_inactive, "product " + id + " is not for sale");
  if (!c.product.unit_price.currency.valid() || c.product.unit_price.minor_units < 0)
    return refuse(domain_errc::invalid_price, "product " + id + " has an invalid price");
  return mercato::ok;
}

cart_decision add_new_line(const cart_state& s, const add_cart_item& c, const cart_config& cfg) {
  if (auto q = check_quantity(c.quantity, cfg); !q) return mercato::fail(q.error());
  if (auto fits = check_line_fits(s, c.product_id, c.quantity, c.product.unit_price); !fits)
    return mercato::fail(fits.error());
  if (!s.lines.empty() && s.lines.front().unit_price.currency != c.product.unit_price.currency)
    return refuse(domain_errc::currency_mismatch,
                  "the cart is in " + std::string(s.lines.front().unit_price.currency.code()) + ", product " +
                      c.product_id.value() + " in " + std::string(c.product.unit_price.currency.code()));
  const auto q = static_cast<std::uint32_t>(c.quantity);
  return events<cart_event>(cart_item_added{cart_id_for(c.user_id), c.user_id, c.product_id, c.product.name,
                                            q, c.product.unit_price, q});
}

cart_decision add_to_line(const cart_state& s, const cart_line& line, const add_cart_item& c,
                          const cart_config& cfg) {
  if (auto q = check_quantity(c.quantity, cfg); !q) return mercato::fail(q.error());
  const auto sum = static_cast<std::int64_t>(line.quantity) + c.quantity;  // both < 2^32: no overflow
  if (auto q = check_quantity(sum, cfg); !q) return mercato::fail(q.error());
  if (auto fits = check_line_fits(s, c.product_id, sum, line.unit_price); !fits)
    return mercato::fail(fits.error());
  return events<cart_event>(cart_item_added{cart_id_for(c.user_id), c.user_id, c.product_id,
                                            line.product_name, static_cast<std::uint32_t>(c.quantity),
                                            line.unit_price, static_cast<std::uint32_t>(sum)});
}

cart_decision do_add(const cart_state& s, const add_cart_item& c, const cart_config& cfg) {
  if (c.user_id.value().empty()) return refuse(domain_errc::invalid_request, "userId is required");
  if (!s.user_id.value().empty() && s.user_id != c.user_id)
    return refuse(domain_errc::forbidden, "this cart belongs to another user");
  if (auto v = check_view(c); !v) return mercato::fail(v.error());
  if (const auto* line = line_of(s, c.product_id)) return add_to_line(s, *line, c, cfg);
  return add_new_line(s, c, cfg);
}

mercato::result<const cart_line*, domain_error> find_line(const cart_state& s, const product_id& p) {
  if (const auto* line = line_of(s, p)) return line;
  return refuse(domain_errc::line_not_found, "product " + p.value() + " is not in the cart");
}

cart_decision do_change(const cart_state& s, const change_cart_item_quantity& c, const cart_config& cfg) {
  auto line = find_line(s, c.product_id);
  if (!line) return mercato::fail(line.error());
  if (auto q = check_quantity(c.quantity, cfg); !q) return mercato::fail(q.error());
  const auto q = static_cast<std::uint32_t>(c.quantity);
  if ((*line)->quantity == q) return std::vector<cart_event>{};
  if (auto fits = check_line_fits(s, c.product_id, c.quantity, (*line)->unit_price); !fits)
    return mercato::fail(fits.error());
  return events<cart_event>(cart_item_quantity_changed{s.cart_id, c.product_id, q, (*line)->quantity});
}

cart_decision do_remove(const cart_state& s, const remove_cart_item& c) {
  auto line = find_line(s, c.product_id);
  if (!line) return mercato::fail(line.error());
  return events<cart_event>(cart_item_removed{s.cart_id, c.product_id});
}

cart_decision do_clear(const cart_state& s) {
  if (s.lines.empty()) return std::vector<cart_event>{};
  return events<cart_event>(cart_cleared{s.cart_id});
}

cart_decision do_checkout(const cart_state& s, const check_out_cart& c) {
  if (c.order_id.value().empty() || c.checkout_id.value().empty())
    return refuse(domain_errc::invalid_request, "orderId and checkoutId are required");
  if (s.last_checkout_id == c.checkout_id) return std::vector<cart_event>{};
  if (s.lines.empty()) return refuse(domain_errc::cart_empty, "the cart is empty");
  return events<cart_event>(cart_checked_out{s.cart_id, c.order_id, c.checkout_id});
}

void set_quantity(cart_state& s, const product_id& p, std::uint32_t q) {
  for (auto& l : s.lines)
    if (l.product_id == p) l.quantity = q;
}

void add_line(cart_state& s, const cart_item_added& e) {
  s.cart_id = e.cart_id;
  s.user_id = e.user_id;
  s.status = cart_status::open;
  if (line_of(s, e.product_id))
    set_quantity(s, e.product_id, e.line_quantity);
  else
    s.lines.push_back({e.product_id, e.product_name, e.line_quantity, e.unit_price});
}

}  // namespace

const cart_line* line_of(const cart_state& cart, const product_id& product) noexcept {
  auto it = std::find_if(cart.lines.begin(), cart.lines.end(),
                         [&](const cart_line& l) { return l.product_id == product; });
  return it == cart.lines.end() ? nullptr : &*it;
}

decision<cart_event> decide(const cart_state& state, const cart_command& command, const cart_config& config) {
  return std::visit(detail::overloaded{
                        [&](const add_cart_item& c) { return do_add(state, c, config); },
                        [&](const change_cart_item_quantity& c) { return do_change(state, c, config); },
                        [&](const remove_cart_item& c) { return do_remove(state, c); },
                        [&](const clear_cart&) { return do_clear(state); },
                        [&](const check_out_cart& c) { return do_checkout(state, c); },
                    },
                    command);
}

cart_state apply(cart_state s, const cart_event& event, std::int64_t committed_at_ns) {
  s.updated_at_ns = committed_at_ns;
  std::visit(detail::overloaded{
                 [&](const cart_item_added& e) { add_line(s, e); },
                 [&](const cart_item_quantity_changed& e) { set_quantity(s, e.product_id, e.quantity); },
                 [&](const cart_item_removed& e) {
                   std::erase_if(s.lines, [&](const cart_line& l) { return l.product_id == e.product_id; });
                 },
                 [&](const cart_cleared&) { s.lines.clear(); },
                 [&](const cart_checked_out& e) {
                   s.lines.clear();
                   s.status = cart_status::checked_out;
                   s.last_checkout_id = e.checkout_id;
                   s.last_order_id = e.order_id;
                 },
             },
             event);
  return s;
}

mercato::result<std::vector<order_line>, domain_error> order_lines_of(const cart_state& cart) {
  std::vector<order_line> out;
  for (const auto& l : cart.lines) {
    auto line = make_order_line(l.product_id, l.product_name, l.quantity, l.unit_price);
    if (!line) return mercato::fail(line.error());
    out.push_back(std::move(*line));
  }
  if (auto total = check_lines(out); !total) return mercato::fail(total.error());
  return out;
}

}  // namespace mercato::domain
