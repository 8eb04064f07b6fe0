// The carts read model (implementation in progress).
#include <mercato/projections/carts.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

void carts_projection::apply(batch_writer&, const es::recorded_event&) {}

carts_query::carts_query(const es::event_store& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}

es::store_result<std::optional<cart_view>> carts_query::get(std::string_view) const { return std::optional<cart_view>(); }
es::store_result<cart_view> carts_query::for_user(std::string_view) const { return cart_view{}; }

}  // namespace mercato::projections
