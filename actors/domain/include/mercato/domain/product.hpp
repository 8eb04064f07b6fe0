#pragma once
// Products and their inventory. `stock` is the stock free to reserve; units held by
// reservations are not in it, so "never oversold" is "stock never goes below zero", and one
// product's stream serialises every reservation of it.
// State, commands and events: schemas (ProductState, CreateProduct..., ProductCreated...).
#include <cstdint>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// True once the product has been created.
inline bool exists(const product_state& s) noexcept {
  return !s.product_id.value().empty();
}
/// The open reservation of `order`, or nullptr.
const stock_reservation* reservation_of(const product_state& s, const order_id& order) noexcept;

/// Refusals: create on an existing product → product_exists; blank name or empty id →
/// invalid_request; negative price or no currency → invalid_price; negative stock →
/// stock_negative; any other command on a missing product → product_not_found; restock or
/// reserve of ≤ 0 units or beyond 2^32-1 → invalid_request; reserve of an inactive product →
/// product_inactive; more than available → insufficient_stock; a second reservation for an
/// order with another quantity → reservation_exists (same quantity: no events); release or
/// commit without a reservation → reservation_not_found. An update that changes nothing,
/// deactivating an inactive or reactivating an active product succeed with no events.
decision<product_event> decide(const product_state& state, const product_command& command);

product_state apply(product_state state, const product_event& event, std::int64_t committed_at_ns = 0);

}  // namespace mercato::domain
