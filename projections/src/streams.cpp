// The streams read model (implementation in progress).
#include <mercato/projections/streams.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

void streams_projection::apply(batch_writer&, const es::recorded_event&) {}

streams_query::streams_query(const es::event_store& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}

es::store_result<page<stream_info>> streams_query::streams(std::string_view, const page_request& p) const {
  if (auto bad = check_page(p)) return fail(invalid(*bad));
  return page<stream_info>{{}, 0, p.page, p.size};
}
es::store_result<std::optional<stream_info>> streams_query::stream(std::string_view) const { return std::optional<stream_info>(); }
es::store_result<std::vector<kind_count>> streams_query::kinds() const { return std::vector<kind_count>{}; }
es::store_result<std::vector<event_type_count>> streams_query::event_types() const { return std::vector<event_type_count>{}; }

}  // namespace mercato::projections
