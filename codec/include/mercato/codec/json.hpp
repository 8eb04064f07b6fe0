#pragma once
// Events as JSON, generically from the shipped Cap'n Proto schemas (no per-event code): what
// `mercato events export --format ndjson` writes and what the HTTP event routes serve.
//
// One event is one line:
//   {"globalPosition":7,"shard":3,"sequence":2,"stream":"cart/u-1","version":2,
//    "type":"CartItemAdded","timestamp":"2026-11-29T19:58:26.123456789Z",
//    "timestampNs":1796…,"correlationId":"…","causationId":"…","idempotencyKey":"…",
//    "nodeId":"node-1","data":{…the event's fields, by their schema names…}}
// Integers are JSON numbers (64-bit values above 2^53 lose precision in readers that use
// doubles, e.g. jq; `timestamp` carries the exact instant), enums their schema names,
// Data base64, unset unions null. An event of a type this build does not know has
// "data":null.
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/eventstore/types.hpp>

namespace mercato::codec {

/// Appends `e` as one JSON object (no trailing newline) to `out`.
void append_event_json(std::string& out, const es::recorded_event& e);

/// Appends only the event's own fields (the "data" object above).
void append_event_data_json(std::string& out, const es::recorded_event& e);

/// RFC 3339 UTC with nanoseconds, e.g. "2026-11-29T19:58:26.123456789Z".
std::string format_timestamp(std::int64_t ns_since_epoch);

/// Appends `text` as a JSON string literal (quoted, escaped) to `out`.
void append_json_string(std::string& out, std::string_view text);
/// Appends `bytes` in standard base64 (with padding, no quotes).
void append_base64(std::string& out, std::string_view bytes);
/// The same for bytes that need not be UTF-8 (binary keys): every byte ≥ 0x80 becomes
/// \u00XX, so the string is valid JSON and each character stands for one byte.
void append_json_bytes(std::string& out, std::string_view bytes);

}  // namespace mercato::codec
