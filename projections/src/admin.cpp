// The admin read model (implementation in progress).
#include <mercato/projections/admin.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

void admin_projection::apply(batch_writer&, const es::recorded_event&) {}

admin_query::admin_query(const es::event_store& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}

std::string utc_date(std::int64_t) { return "1970-01-01"; }
es::store_result<std::vector<day_figures>> admin_query::days(std::string_view, std::string_view) const { return std::vector<day_figures>{}; }
es::store_result<std::vector<product_figures>> admin_query::top_products(std::size_t) const { return std::vector<product_figures>{}; }
es::store_result<std::vector<product_figures>> admin_query::low_stock(std::uint32_t, std::size_t) const { return std::vector<product_figures>{}; }

}  // namespace mercato::projections
