// The notifications read model (implementation in progress).
#include <mercato/projections/notifications.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

void notifications_projection::apply(batch_writer&, const es::recorded_event&) {}

notifications_query::notifications_query(const es::event_store& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}

std::string_view to_string(domain::notification_kind) noexcept { return "order_confirmed"; }
es::store_result<page<notification_view>> notifications_query::inbox(std::string_view, const page_request& p) const {
  if (auto bad = check_page(p)) return fail(invalid(*bad));
  return page<notification_view>{{}, 0, p.page, p.size};
}

}  // namespace mercato::projections
