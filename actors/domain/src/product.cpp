// Product and inventory rules.
#include <algorithm>
#include <limits>

#include <mercato/domain/product.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using detail::events;
using product_decision = decision<product_event>;

constexpr std::int64_t max_units = std::numeric_limits<std::uint32_t>::max();

mercato::status<domain_error> check_price(const money& price) {
  if (!price.currency.valid()) return refuse(domain_errc::invalid_price, "price needs an ISO 4217 currency");
  if (price.minor_units < 0) return refuse(domain_errc::invalid_price, "price must not be negative");
  return mercato::ok;
}

mercato::status<domain_error> check_units(std::int64_t n, std::string_view what) {
  if (n <= 0) return refuse(domain_errc::invalid_request, std::string(what) + " must be positive");
  if (n > max_units) return refuse(domain_errc::invalid_request, std::string(what) + " is too large");
  return mercato::ok;
}

product_decision do_create(const product_state& s, const create_product& c) {
  if (exists(s))
    return refuse(domain_errc::product_exists, "product " + s.product_id.value() + " already exists");
  if (c.product_id.value().empty()) return refuse(domain_errc::invalid_request, "productId is required");
  if (detail::blank(c.name)) return refuse(domain_errc::invalid_request, "name is required");
  if (auto p = check_price(c.price); !p) return mercato::fail(p.error());
  if (c.initial_stock < 0) return refuse(domain_errc::stock_negative, "stock must not be negative");
  if (c.initial_stock > max_units) return refuse(domain_errc::invalid_request, "stock is too large");
  return events<product_event>(product_created{c.product_id, c.sku, c.name, c.description, c.category,
                                               c.price, c.images,
                                               static_cast<std::uint32_t>(c.initial_stock)});
}

/// Keeps `field` in the event only when it changes the state.
template <class T>
void keep_if_changed(std::optional<T>& field, const T& current) {
  if (field && *field == current) field.reset();
}

product_decision do_update(const product_state& s, const update_product& c) {
  if (c.name && detail::blank(*c.name)) return refuse(domain_errc::invalid_request, "name must not be blank");
  if (c.price)
    if (auto p = check_price(*c.price); !p) return mercato::fail(p.error());
  product_updated e{s.product_id, c.name, c.description, c.category, c.price, c.images};
  keep_if_changed(e.name, s.name);
  keep_if_changed(e.description, s.description);
  keep_if_changed(e.category, s.category);
  keep_if_changed(e.price, s.price);
  keep_if_changed(e.images, s.images);
  if (!e.name && !e.description && !e.category && !e.price && !e.images) return std::vector<product_event>{};
  return events<product_event>(std::move(e));
}

product_decision do_restock(const product_state& s, const restock_product& c) {
  if (auto u = check_units(c.quantity, "restock quantity"); !u) return mercato::fail(u.error());
  // Reserved units come back to `stock` on release, so they count against the limit.
  std::int64_t held = 0;
  for (const auto& r : s.reservations) held += r.quantity;
  const auto after = static_cast<std::int64_t>(s.stock) + c.quantity;
  if (after + held > max_units)
    return refuse(domain_errc::invalid_request, "stock would exceed 2^32-1 units");
  return events<product_event>(product_restocked{s.product_id, static_cast<std::uint32_t>(c.quantity),
                                                 static_cast<std::uint32_t>(after)});
}

product_decision do_reserve(const product_state& s, const reserve_stock& c) {
  if (auto u = check_units(c.quantity, "reserved quantity"); !u) return mercato::fail(u.error());
  if (c.order_id.value().empty()) return refuse(domain_errc::invalid_request, "orderId is required");
  const auto qty = static_cast<std::uint32_t>(c.quantity);
  if (const auto* r = reservation_of(s, c.order_id)) {
    if (r->quantity == qty) return std::vector<product_event>{};
    return refuse(domain_errc::reservation_exists, "order " + c.order_id.value() + " already holds " +
                                                       std::to_string(r->quantity) + " units of " +
                                                       s.product_id.value());
  }
  if (!s.active)
    return refuse(domain_errc::product_inactive, "product " + s.product_id.value() + " is not active");
  if (qty > s.stock)
    return refuse(domain_errc::insufficient_stock, "only " + std::to_string(s.stock) + " units of " +
                                                       s.product_id.value() + " are available, " +
                                                       std::to_string(qty) + " requested");
  return events<product_event>(product_stock_reserved{s.product_id, c.order_id, qty, s.stock - qty});
}

mercato::result<stock_reservation, domain_error> find_reservation(const product_state& s,
                                                                  const order_id& order) {
  if (const auto* r = reservation_of(s, order)) return *r;
  return refuse(domain_errc::reservation_not_found,
                "order " + order.value() + " holds no reservation of " + s.product_id.value());
}

product_decision do_release(const product_state& s, const release_reservation& c) {
  auto r = find_reservation(s, c.order_id);
  if (!r) return mercato::fail(r.error());
  return events<product_event>(product_reservation_released{s.product_id, c.order_id, r->quantity, c.reason,
                                                            c.detail, s.stock + r->quantity});
}

product_decision do_commit(const product_state& s, const commit_reservation& c) {
  auto r = find_reservation(s, c.order_id);
  if (!r) return mercato::fail(r.error());
  return events<product_event>(product_reservation_committed{s.product_id, c.order_id, r->quantity});
}

product_decision do_activation(const product_state& s, bool activate) {
  if (s.active == activate) return std::vector<product_event>{};
  if (activate) return events<product_event>(product_reactivated{s.product_id});
  return events<product_event>(product_deactivated{s.product_id});
}

void remove_reservation(product_state& s, const order_id& order) {
  std::erase_if(s.reservations, [&](const stock_reservation& r) { return r.order_id == order; });
}

product_state created(const product_created& e) {
  product_state s;
  s.product_id = e.product_id;
  s.sku = e.sku;
  s.name = e.name;
  s.description = e.description;
  s.category = e.category;
  s.price = e.price;
  s.images = e.images;
  s.active = true;
  s.stock = e.initial_stock;
  return s;
}

template <class T>
void assign_if(T& target, const std::optional<T>& value) {
  if (value) target = *value;
}

}  // namespace

const stock_reservation* reservation_of(const product_state& s, const order_id& order) noexcept {
  auto it = std::find_if(s.reservations.begin(), s.reservations.end(),
                         [&](const stock_reservation& r) { return r.order_id == order; });
  return it == s.reservations.end() ? nullptr : &*it;
}

decision<product_event> decide(const product_state& state, const product_command& command) {
  if (!std::holds_alternative<create_product>(command) && !exists(state))
    return refuse(domain_errc::product_not_found, "no such product");
  return std::visit(detail::overloaded{
                        [&](const create_product& c) { return do_create(state, c); },
                        [&](const update_product& c) { return do_update(state, c); },
                        [&](const deactivate_product&) { return do_activation(state, false); },
                        [&](const reactivate_product&) { return do_activation(state, true); },
                        [&](const restock_product& c) { return do_restock(state, c); },
                        [&](const reserve_stock& c) { return do_reserve(state, c); },
                        [&](const release_reservation& c) { return do_release(state, c); },
                        [&](const commit_reservation& c) { return do_commit(state, c); },
                    },
                    command);
}

product_state apply(product_state s, const product_event& event, std::int64_t committed_at_ns) {
  (void)committed_at_ns;
  std::visit(detail::overloaded{
                 [&](const product_created& e) { s = created(e); },
                 [&](const product_updated& e) {
                   assign_if(s.name, e.name);
                   assign_if(s.description, e.description);
                   assign_if(s.category, e.category);
                   assign_if(s.price, e.price);
                   assign_if(s.images, e.images);
                 },
                 [&](const product_deactivated&) { s.active = false; },
                 [&](const product_reactivated&) { s.active = true; },
                 [&](const product_restocked& e) { s.stock = e.new_stock; },
                 [&](const product_stock_reserved& e) {
                   s.stock = e.new_stock;
                   s.reservations.push_back({e.order_id, e.quantity});
                 },
                 [&](const product_reservation_released& e) {
                   s.stock = e.new_stock;
                   remove_reservation(s, e.order_id);
                 },
                 [&](const product_reservation_committed& e) {
                   s.sold += e.quantity;
                   remove_reservation(s, e.order_id);
                 },
             },
             event);
  return s;
}

}  // namespace mercato::domain
