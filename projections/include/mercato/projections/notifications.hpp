#pragma once
// Each user's notification inbox (GET /api/v1/notifications).
//
// Keys (relative to the keyspace prefix):
//   "n/" + user id + '\0' + ~emitted_ns (8 bytes BE) + notification id → the notification
//   (compact binary). A forward scan of one user's keys is newest first.
// NotificationEmitted events are appended on the order and payment streams that cause them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <mercato/codec/common.types.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/query.hpp>

namespace mercato::projections {

struct notification_view {
  std::string id;
  std::string user_id;  ///< the recipient
  /// domain::to_string(kind) is its stable lower-case name ("order_confirmed", …).
  domain::notification_kind kind = domain::notification_kind::order_confirmed;
  std::string order_id;
  std::string subject;
  std::string body;
  std::int64_t created_ns = 0;  ///< commit time of NotificationEmitted
  std::string stream;           ///< the stream it was emitted on
  std::uint64_t version = 0;    ///< its version in that stream
  bool operator==(const notification_view&) const = default;
};

/// Applies NotificationEmitted of any stream; ignores all else.
class notifications_projection final : public projection {
 public:
  static constexpr std::string_view projection_name = "notifications";
  static constexpr std::uint32_t current_version = 1;
  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  bool wants_decoded(const es::recorded_event& event) const override;
  void apply(batch_writer& out, const log_event& event) override;
  std::string describe(std::string_view key, std::string_view value) const override;
};

class notifications_query {
 public:
  notifications_query(const es::event_store& store, std::string prefix);
  /// The user's notifications, newest first (ties by id). Cost: O(user's notifications)
  /// key scan for the total, values decoded only for the page.
  es::store_result<page<notification_view>> inbox(std::string_view user_id, const page_request& p) const;

 private:
  const es::event_store& store_;
  std::string prefix_;
};

}  // namespace mercato::projections
