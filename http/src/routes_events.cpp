// Events (admin and analysts):
//   GET /api/v1/events?after=<global position>&limit=N    the log, in commit order
//   GET /api/v1/events/streams/{kind}/{id}?from=V&limit=N  one stream ("order/o-1")
//   GET /api/v1/events/live                                 Server-Sent Events of new commits
// Events are rendered by the event store's generic JSON (eventstore/json.hpp).
#include <mercato/eventstore/json.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/eventstore/subscription.hpp>
#include <mercato/http/validate.hpp>

#include "context.hpp"

namespace mercato::http::detail {

namespace {

constexpr std::int64_t max_limit = 1000;

const query_schema& log_schema() {
  static const auto schema =
      query_schema{}.integer("after", {.min = 0, .max = INT64_MAX}).integer("limit", {.min = 1, .max = max_limit});
  return schema;
}

const query_schema& stream_schema() {
  static const auto schema =
      query_schema{}.integer("from", {.min = 1, .max = INT64_MAX}).integer("limit", {.min = 1, .max = max_limit});
  return schema;
}

response events_response(const std::vector<es::recorded_event>& events, nlohmann::json meta) {
  std::string body = R"({"data":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) body.push_back(',');
    es::append_event_json(body, events[i]);
  }
  body += R"(],"meta":)";
  body += meta.dump();
  body.push_back('}');
  return response{200, "application/json", std::move(body), {}};
}

}  // namespace

void add_event_routes(route_table& t, api_context& ctx) {
  t.add({"GET", "/api/v1/events", access::admin, [&ctx](const exchange_ptr& ex) {
           auto q = parse_query(ex, log_schema());
           if (!q) return;
           const auto after = static_cast<std::uint64_t>(q->values.optional_integer("after").value_or(0));
           const auto limit = static_cast<std::size_t>(q->values.optional_integer("limit").value_or(100));
           ctx.workers.post([&ctx, ex, after, limit] {
             auto reader = ctx.deps.store->read_all(es::global_position{after});
             if (!reader) return (void)ex->fail(service_unavailable("The log could not be read; retry shortly.", 1));
             auto events = (*reader)->next(limit);
             if (!events) return (void)ex->fail(service_unavailable("The log could not be read; retry shortly.", 1));
             const auto next = events->empty() ? after : events->back().global.value();
             ex->answer(events_response(*events, {{"after", after},
                                                  {"next", next},
                                                  {"head", ctx.deps.store->global_head().value()}}));
           });
         }});

  t.add({"GET", "/api/v1/events/streams/{kind}/{id}", access::admin, [&ctx](const exchange_ptr& ex) {
           auto q = parse_query(ex, stream_schema());
           if (!q) return;
           auto name = ex->req().param("kind") + "/" + ex->req().param("id");
           auto stream = es::stream_id::make(name);
           if (!stream) return (void)ex->fail(not_found("No stream " + name + "."));
           const auto from = static_cast<std::uint64_t>(q->values.optional_integer("from").value_or(1));
           const auto limit = static_cast<std::size_t>(q->values.optional_integer("limit").value_or(100));
           ctx.workers.post([&ctx, ex, stream = std::move(*stream), from, limit] {
             auto events = ctx.deps.store->read_stream(stream, es::stream_version{from}, es::read_direction::forward, limit);
             if (!events) return (void)ex->fail(service_unavailable("The log could not be read; retry shortly.", 1));
             auto head = ctx.deps.store->stream_head(stream);
             if (head && head->value() == 0) return (void)ex->fail(not_found("No stream " + stream.str() + "."));
             ex->answer(events_response(*events, {{"stream", stream.str()},
                                                  {"from", from},
                                                  {"version", head ? head->value() : 0}}));
           });
         }});
}

}  // namespace mercato::http::detail
