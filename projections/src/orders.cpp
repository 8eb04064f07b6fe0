// The orders read model (implementation in progress).
#include <mercato/projections/orders.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

void orders_projection::apply(batch_writer&, const es::recorded_event&) {}

orders_query::orders_query(const es::event_store& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}

es::store_result<page<order_view>> orders_query::history(std::string_view, const page_request& p) const {
  if (auto bad = check_page(p)) return fail(invalid(*bad));
  return page<order_view>{{}, 0, p.page, p.size};
}
es::store_result<std::optional<order_view>> orders_query::get(std::string_view) const { return std::optional<order_view>(); }
es::store_result<std::optional<payment_view>> orders_query::payment(std::string_view) const { return std::optional<payment_view>(); }

}  // namespace mercato::projections
