#pragma once
// The notification outbox (docs/webhooks.md).
//
// Two halves that share one keyspace of the projection column family:
//
//   outbox_projection — a normal projection (run by a projection_runner or the host): for
//     every NotificationEmitted event it writes one *pending delivery record* per configured
//     webhook URL, in the same atomic commit as its checkpoints, so no notification is ever
//     skipped or enqueued twice.
//   outbox_deliverer — one thread per configured URL that POSTs due records (signed
//     HMAC-SHA256), and on each outcome changes the record in ONE atomic store commit:
//     delivered → deleted; failed → rescheduled with exponential backoff; failed for the
//     max_attempts-th time → parked (kept, visible to operators, requeue-able).
//
// Guarantees: at-least-once delivery with a stable delivery id (receivers de-duplicate on
// it); nothing is lost across restarts (records are durable before they are attempted; a
// POST in flight when the process dies leaves its record due, so it is sent again). The
// deliverer holds at most `scan_batch` records per endpoint in memory, whatever the
// backlog, and never blocks the event writer or any projection runner (its commits are
// aux commits of its own keys). Run ONE deliverer per outbox keyspace (it keeps the
// delivered/parked counters in memory between its commits).
//
// Keys, relative to the keyspace prefix (key_prefix("outbox", 1) for a bare runner, the
// host's active_prefix("outbox") under the host):
//   due/<endpoint id>/<due time ns, 20 digits>/<delivery id>  → record (JSON)
//   parked/<delivery id>                                       → record (JSON)
//   stats/enqueued            (written by the projection)       → decimal
//   stats/delivered, stats/parked (written by the deliverer)    → decimal
// pending = enqueued − delivered − parked.
//
// NEVER rebuild this projection (it is not in read_models(), and rebuildable() is false so
// host::rebuild refuses it): a rebuild or a version bump re-enqueues every notification of
// the log. With no URLs configured the projection still
// advances its checkpoints but writes nothing, so turning webhooks on later delivers only
// notifications emitted from then on.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/common/clock.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>

namespace mercato::projections {

/// 16 lower-case hex digits of SHA-256(url): names an endpoint in keys and delivery ids.
std::string endpoint_id(std::string_view url);
/// The stable id of one notification's delivery to one endpoint:
/// notification id + ":" + endpoint_id(url).
std::string delivery_id(std::string_view notification_id, std::string_view url);

/// Signature header value for one attempt: "t=<unix_seconds>,v1=<hex HMAC-SHA256(secret,
/// "<unix_seconds>." + body)>" (docs/webhooks.md).
std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

class outbox_projection final : public projection {
 public:
  static constexpr std::string_view projection_name = "outbox";
  static constexpr std::uint32_t current_version = 1;

  /// `webhook_urls`: the configured endpoints (config notifications.webhook_urls); empty =
  /// enqueue nothing.
  explicit outbox_projection(std::vector<std::string> webhook_urls);

  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  /// A rebuild would re-enqueue (re-deliver) every notification of the log.
  bool rebuildable() const override { return false; }
  /// Enqueues NotificationEmitted (first due at the event's commit time); ignores all else.
  /// Throws projection_error for an undecodable NotificationEmitted.
  bool wants_decoded(const es::recorded_event& event) const override;
  void apply(batch_writer& out, const log_event& event) override;

 private:
  std::vector<std::string> urls_;
};

/// One delivery of one notification to one endpoint.
struct outbox_record {
  std::string id;  ///< delivery_id(notification_id, url)
  std::string notification_id;
  std::string url;
  std::string body;             ///< the exact JSON POSTed, the same bytes on every attempt
  std::uint32_t attempts = 0;   ///< completed attempts (a POST aborted by stop() is not one)
  std::int64_t created_ns = 0;  ///< commit time of the NotificationEmitted event
  std::int64_t due_ns = 0;      ///< next attempt not before this (pending records)
  std::int64_t last_attempt_ns = 0;
  std::string last_error;  ///< of the last failed attempt ("HTTP 500: …", "timeout …")
  bool operator==(const outbox_record&) const = default;
};

struct outbox_counts {
  std::uint64_t enqueued = 0;   ///< records ever created
  std::uint64_t delivered = 0;  ///< records delivered (2xx) and removed
  std::uint64_t parked = 0;     ///< records parked now
  std::uint64_t pending = 0;    ///< records waiting for an attempt (due now or later)
};

/// Read-only operator view of an outbox keyspace; cheap to construct, any thread.
class outbox_query {
 public:
  outbox_query(const es::event_store& store, std::string prefix);
  es::store_result<outbox_counts> counts() const;
  /// Up to `limit` pending records, by endpoint, then by due time.
  es::store_result<std::vector<outbox_record>> pending(std::size_t limit) const;
  /// Parked records in delivery-id order, skipping `offset`.
  es::store_result<std::vector<outbox_record>> parked(std::size_t offset, std::size_t limit) const;

 private:
  const es::event_store& store_;
  std::string prefix_;
};

struct deliverer_options {
  std::vector<std::string> webhook_urls;            ///< the same list the projection got
  std::string secret;                               ///< HMAC key; must not be empty when URLs are set
  std::uint32_t max_attempts = 15;                  ///< attempt n fails for n == max_attempts → parked
  std::chrono::milliseconds backoff_initial{1000};  ///< delay after attempt 1 failed
  std::chrono::milliseconds backoff_max{3600000};   ///< cap of initial · 2^(n−1)
  /// Each delay is shortened by up to this fraction, by a hash of (delivery id, attempt):
  /// spreads retries, and is the same for the same record and attempt (no randomness).
  double jitter = 0.2;
  std::chrono::milliseconds timeout{5000};       ///< whole POST, connect included
  std::chrono::milliseconds poll_interval{200};  ///< idle re-scan for due records
  std::size_t scan_batch = 64;                   ///< records read per scan per endpoint
  clock_fn clock = system_now_ns;                ///< due times, signature timestamps
  /// Called on a delivery thread after a record was parked (for the operator log); must
  /// be quick and must not call back into the deliverer.
  std::function<void(const outbox_record&)> on_parked;
};

struct deliverer_stats {
  std::uint64_t passes = 0;               ///< scans for due records, all endpoints (progress marker)
  std::uint64_t attempts = 0;             ///< completed POSTs since start
  std::uint64_t delivered = 0;            ///< since start
  std::uint64_t failed = 0;               ///< failed attempts since start (retried or parked)
  std::uint64_t parked = 0;               ///< parked since start
  std::optional<std::string> last_error;  ///< last failed attempt or store error
};

class outbox_deliverer {
 public:
  /// Parks due records of endpoints no longer configured (last_error says so), loads the
  /// counters and starts one thread per URL. Fails with invalid_argument for URLs without
  /// a secret, a bad option, or with the store's error. `store` must outlive the deliverer;
  /// `prefix` is the outbox keyspace the projection writes.
  static es::store_result<std::unique_ptr<outbox_deliverer>> start(es::event_store& store, std::string prefix,
                                                                   deliverer_options options);
  /// Stops: POSTs in flight are aborted (their records stay due, not counted), threads joined.
  ~outbox_deliverer();
  outbox_deliverer(const outbox_deliverer&) = delete;
  outbox_deliverer& operator=(const outbox_deliverer&) = delete;

  /// The delay after `attempts` failed attempts of record `id` (exposed for docs and tests).
  std::chrono::milliseconds backoff(std::string_view id, std::uint32_t attempts) const;

  /// Operator: moves the given parked records back to pending, due now, attempts reset to 0
  /// (one atomic commit each). Unknown ids and records of endpoints no longer configured
  /// are skipped. Returns how many were requeued.
  es::store_result<std::size_t> requeue(std::span<const std::string> ids);
  /// Operator: requeues every parked record (of configured endpoints).
  es::store_result<std::size_t> requeue_all();

  /// Wakes the threads to scan now (e.g. after the projection advanced).
  void wake();
  deliverer_stats stats() const;
  const std::string& prefix() const noexcept;

  struct impl;

 private:
  explicit outbox_deliverer(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace mercato::projections
