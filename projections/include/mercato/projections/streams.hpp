#pragma once
// The event type and stream catalog for tools: which streams exist
// (by entity kind, paged), their lengths and first/last event times; events per type.
//
// Keys (relative to the keyspace prefix):
//   "s/" + stream id → stream figures (compact binary). Stream ids are "<kind>/<id>", so the
//                      streams of one kind are one key range.
//   "k/" + kind      → number of streams and events of that kind (compact binary)
//   "e/" + type      → number of events of that type (compact binary)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/query.hpp>

namespace mercato::projections {

struct stream_info {
  std::string stream;         ///< e.g. "order/o-17"
  std::string kind;           ///< the part before the first '/', e.g. "order" ("" when none)
  std::uint64_t length = 0;   ///< events in the stream (= its last version)
  std::int64_t first_ns = 0;  ///< commit time of its first event
  std::int64_t last_ns = 0;   ///< commit time of its last event
  std::string last_type;      ///< type of its last event
  bool operator==(const stream_info&) const = default;
};

struct kind_count {
  std::string kind;
  std::uint64_t streams = 0;
  std::uint64_t events = 0;
  bool operator==(const kind_count&) const = default;
};

struct event_type_count {
  std::string type;  ///< e.g. "OrderPlaced"
  std::uint64_t events = 0;
  bool operator==(const event_type_count&) const = default;
};

/// Applies every event of every stream (it only reads the record, never decodes the event).
class streams_projection final : public projection {
 public:
  static constexpr std::string_view projection_name = "streams";
  static constexpr std::uint32_t current_version = 1;
  std::string_view name() const override { return projection_name; }
  std::uint32_t version() const override { return current_version; }
  void apply(batch_writer& out, const log_event& event) override;
  std::string describe(std::string_view key, std::string_view value) const override;
};

class streams_query {
 public:
  streams_query(const es::event_store& store, std::string prefix);

  /// Streams of one kind ("order" or "order/"; "" = all), sorted by stream id, paged.
  /// Total from the per-kind counters (O(kinds)); the page costs O(offset + size).
  es::store_result<page<stream_info>> streams(std::string_view kind, const page_request& p) const;
  /// One stream, or nullopt when it has no event.
  es::store_result<std::optional<stream_info>> stream(std::string_view stream_id) const;
  /// Every kind seen, by name.
  es::store_result<std::vector<kind_count>> kinds() const;
  /// Every event type seen, by name.
  es::store_result<std::vector<event_type_count>> event_types() const;

 private:
  const es::event_store& store_;
  std::string prefix_;
};

}  // namespace mercato::projections
