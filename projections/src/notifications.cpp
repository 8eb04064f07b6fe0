// The notifications read model: each user's inbox, newest first.
#include <mercato/projections/json.hpp>
#include <mercato/projections/notifications.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

namespace {

constexpr std::string_view model = "notifications";
constexpr std::string_view inbox_key = "n/";

std::string user_range(std::string_view user) {
  return std::string(inbox_key) + std::string(user) + '\0';
}

std::string encode_notification(const notification_view& n) {
  value_writer w;
  w.str(n.id).str(n.user_id).u64(std::uint64_t(n.kind)).str(n.order_id).str(n.subject).str(n.body);
  w.i64(n.created_ns).str(n.stream).u64(n.version);
  return w.take();
}

std::optional<notification_view> decode_notification(std::string_view bytes) {
  value_reader r(bytes);
  notification_view n;
  n.id = r.str();
  n.user_id = r.str();
  n.kind = domain::notification_kind(r.u32());
  n.order_id = r.str();
  n.subject = r.str();
  n.body = r.str();
  n.created_ns = r.i64();
  n.stream = r.str();
  n.version = r.u64();
  if (!r.done()) return std::nullopt;
  return n;
}

}  // namespace

bool notifications_projection::wants_decoded(const es::recorded_event& event) const {
  return event.type == domain::notification_emitted::type_name;
}

void notifications_projection::apply(batch_writer& out, const log_event& event) {
  if (!wants_decoded(event)) return;
  const auto& decoded = event.decoded(model);
  const auto* e = std::get_if<domain::notification_emitted>(&decoded);
  if (!e)
    throw projection_error("notifications: " + event.stream + ": type NotificationEmitted but another event");
  notification_view n{e->notification_id.value(), e->user_id.value(), e->kind,
                      e->order_id.value(),        e->subject,         e->body,
                      event.timestamp_ns,         event.stream,       event.version.value()};
  out.put(user_range(n.user_id) + inverted_i64(n.created_ns) + n.id, encode_notification(n));
}

notifications_query::notifications_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

es::store_result<page<notification_view>> notifications_query::inbox(std::string_view user_id,
                                                                     const page_request& p) const {
  if (auto bad = bad_id("user id", user_id)) return fail(*bad);
  auto keys = page_of_range(store_, prefix_, user_range(user_id), p);
  if (!keys) return fail(keys.error());
  page<notification_view> out{{}, keys->total, p.page, p.size};
  for (std::size_t i = 0; i < keys->keys.size(); ++i) {
    auto n = decode_notification(keys->values[i]);
    if (!n) return fail(corrupt(model, keys->keys[i]));
    out.items.push_back(std::move(*n));
  }
  return out;
}

std::string notifications_projection::describe(std::string_view key, std::string_view value) const {
  if (!key.starts_with(inbox_key)) return {};
  const auto n = decode_notification(value);
  return n ? json_text(notification_json(*n)) : std::string();
}

}  // namespace mercato::projections
