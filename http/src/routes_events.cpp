// Events (admin and analysts):
//   GET /api/v1/events?after=<global position>&limit=N    the log, in commit order
//   GET /api/v1/events/streams/{kind}/{id}?from=V&limit=N  one stream ("order/o-1")
//   GET /api/v1/events/live?after=<global>                  Server-Sent Events (long-polled, see
//                                                           poll_log), `id:` = global position
// Events are rendered by the codec's generic JSON (codec/json.hpp).
#include <charconv>

#include <mercato/codec/json.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/eventstore/subscription.hpp>
#include <mercato/http/validate.hpp>

#include "context.hpp"

namespace mercato::http::detail {

namespace {

constexpr std::int64_t max_limit = 1000;

const query_schema& log_schema() {
  static const auto schema = query_schema{}
                                 .integer("after", {.min = 0, .max = INT64_MAX})
                                 .integer("limit", {.min = 1, .max = max_limit});
  return schema;
}

const query_schema& stream_schema() {
  static const auto schema = query_schema{}
                                 .integer("from", {.min = 1, .max = INT64_MAX})
                                 .integer("limit", {.min = 1, .max = max_limit});
  return schema;
}

/// The event as JSON, with password hashes redacted: the log keeps them, the API never
/// serves them (not even to admins).
void append_event(std::string& out, const es::recorded_event& e) {
  if (e.type != "UserRegistered" && e.type != "UserPasswordChanged") {
    codec::append_event_json(out, e);
    return;
  }
  std::string raw;
  codec::append_event_json(raw, e);
  auto j = nlohmann::json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || !j["data"].is_object()) {
    out += R"({"globalPosition":)" + std::to_string(e.global.value()) + R"(,"type":")" + e.type +
           R"(","data":null})";
    return;
  }
  if (j["data"].contains("passwordHash")) j["data"]["passwordHash"] = "[redacted]";
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

response events_response(const std::vector<es::recorded_event>& events, nlohmann::json meta) {
  std::string body = R"({"data":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) body.push_back(',');
    append_event(body, events[i]);
  }
  body += R"(],"meta":)";
  body += meta.dump();
  body.push_back('}');
  return response{200, "application/json", std::move(body), {}};
}

const query_schema& live_schema() {
  static const auto schema = query_schema{}.integer("after", {.min = 0, .max = INT64_MAX});
  return schema;
}

/// "id: <global>\nevent: <type>\ndata: <json>\n\n" per event.
std::string sse_frames(const std::vector<es::recorded_event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += "id: " + std::to_string(e.global.value()) + "\nevent: " + e.type + "\ndata: ";
    append_event(out, e);
    out += "\n\n";
  }
  return out;
}

/// Pistache 0.0.5 cannot stream from another thread (ResponseStream::flush runs the
/// reactor's write queue on the caller's thread and aborts the process), so the live feed
/// is Server-Sent Events by long polling: a request is held until events after `after`
/// exist (or `hold` passes, or the server stops) and is answered with them as one
/// text/event-stream body. EventSource clients reconnect by themselves after `retry` ms
/// with Last-Event-ID, which resumes exactly after the last event received.
std::string poll_log(const es::event_store& store, std::uint64_t after, std::chrono::milliseconds hold,
                     const std::atomic<bool>& stop) {
  std::string body = "retry: 100\n\n";
  const auto until = std::chrono::steady_clock::now() + hold;
  while (!stop.load()) {
    const auto epoch = store.commit_epoch();
    if (auto reader = store.read_all(es::global_position{after})) {
      auto events = (*reader)->next(1000);
      if (events && !events->empty()) return body + sse_frames(*events);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) break;
    store.wait_for_commit(epoch, std::min(std::chrono::duration_cast<std::chrono::milliseconds>(until - now),
                                          std::chrono::milliseconds(250)));
  }
  return body + ": no new events\n\n";
}

}  // namespace

void add_event_routes(route_table& t, api_context& ctx) {
  t.add(
      {"GET", "/api/v1/events", access::admin, [&ctx](const exchange_ptr& ex) {
         auto q = parse_query(ex, log_schema());
         if (!q) return;
         const auto after = static_cast<std::uint64_t>(q->values.optional_integer("after").value_or(0));
         const auto limit = static_cast<std::size_t>(q->values.optional_integer("limit").value_or(100));
         ctx.workers.post([&ctx, ex, after, limit] {
           auto reader = ctx.deps.store->read_all(es::global_position{after});
           if (!reader)
             return (void)ex->fail(service_unavailable("The log could not be read; retry shortly.", 1));
           auto events = (*reader)->next(limit);
           if (!events)
             return (void)ex->fail(service_unavailable("The log could not be read; retry shortly.", 1));
           const auto next = events->empty() ? after : events->back().global.value();
           ex->answer(events_response(
               *events, {{"after", after}, {"next", next}, {"head", ctx.deps.store->global_head().value()}}));
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
             auto events = ctx.deps.store->read_stream(stream, es::stream_version{from},
                                                       es::read_direction::forward, limit);
             if (!events)
               return (void)ex->fail(service_unavailable("The log could not be read; retry shortly.", 1));
             auto head = ctx.deps.store->stream_head(stream);
             if (head && head->value() == 0)
               return (void)ex->fail(not_found("No stream " + stream.str() + "."));
             ex->answer(events_response(
                 *events, {{"stream", stream.str()}, {"from", from}, {"version", head ? head->value() : 0}}));
           });
         }});

  t.add({"GET", "/api/v1/events/live", access::admin, [&ctx](const exchange_ptr& ex) {
           auto q = parse_query(ex, live_schema());
           if (!q) return;
           std::uint64_t after = ctx.deps.store->global_head().value();  // default: new events only
           if (auto a = q->values.optional_integer("after")) after = static_cast<std::uint64_t>(*a);
           const auto last_id = ex->req().header("last-event-id");
           if (!last_id.empty()) {
             std::uint64_t v = 0;
             auto [p, ec] = std::from_chars(last_id.data(), last_id.data() + last_id.size(), v);
             if (ec != std::errc{} || p != last_id.data() + last_id.size())
               return (void)ex->fail(bad_request("Last-Event-ID must be a global position from this feed."));
             after = v;
           }
           auto* store = ctx.deps.store;
           ex->long_poll = true;
           const bool started = ctx.streams.start([ex, store, after](const std::atomic<bool>& stop) {
             auto body = poll_log(*store, after, std::chrono::seconds(15), stop);
             ex->answer(response{200, "text/event-stream", std::move(body), {{"Cache-Control", "no-cache"}}});
           });
           if (!started) {
             ex->long_poll = false;
             ex->fail(service_unavailable("Too many live feeds are open; retry later.", 5));
           }
         }});
}

}  // namespace mercato::http::detail
