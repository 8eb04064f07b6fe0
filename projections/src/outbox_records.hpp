#pragma once
// Private to the outbox: key layout and the stored form of a delivery record, shared by the
// projection, the query and the deliverer (outbox.hpp documents the layout).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <mercato/projections/outbox.hpp>

namespace mercato::projections::outbox_keys {

inline constexpr std::string_view due = "due/";
inline constexpr std::string_view parked = "parked/";
inline constexpr std::string_view enqueued = "stats/enqueued";
inline constexpr std::string_view delivered = "stats/delivered";
inline constexpr std::string_view parked_count = "stats/parked";

/// "due/<endpoint id>/"
std::string due_range(std::string_view endpoint_id);
/// "due/<endpoint id>/<due_ns as 20 digits>/<delivery id>" (negative times count as 0).
std::string due_key(std::string_view endpoint_id, std::int64_t due_ns, std::string_view delivery_id);
/// The due key of a pending record.
std::string due_key(const outbox_record& r);
/// The first key after every due key of `endpoint_id` due at or before `now_ns`.
std::string due_until(std::string_view endpoint_id, std::int64_t now_ns);
/// "parked/<delivery id>"
std::string parked_key(std::string_view delivery_id);
/// The endpoint id inside a delivery id (after its last ':'), "" if none.
std::string_view endpoint_of(std::string_view delivery_id);

std::string encode(const outbox_record& r);
std::optional<outbox_record> decode(std::string_view bytes);

/// A decimal counter value; absent = 0; nullopt when it is not a number.
std::optional<std::uint64_t> counter(const std::optional<std::string>& stored);

}  // namespace mercato::projections::outbox_keys
