#pragma once
// The codec's entry points, without Cap'n Proto in the interface: events to and from the
// log's opaque form, snapshots, commands as bytes. Everything that turns a domain value into
// stored or transmitted bytes, or back, goes through here (or through the generated
// write()/read() of NAME.codec.hpp for code that builds messages itself).
//
// The log's form of an event (es::event_data): its type name (the struct's schema name,
// e.g. "CartItemAdded"), its schema id, and a flat-array Cap'n Proto message whose root is
// that struct. The event store keeps them as opaque bytes. Records written before events
// became opaque embed the Event union in the envelope instead; decode_event reads both.
//
// Decoding never throws and never crashes on bytes from a newer writer: an unknown event
// type, union member or enumerant without $unknownAs, an invalid currency or a malformed
// message comes back as a codec_error naming what was wrong.
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/codec/commands.types.hpp>
#include <mercato/codec/events.types.hpp>
#include <mercato/codec/snapshots.types.hpp>
#include <mercato/common/result.hpp>
#include <mercato/eventstore/types.hpp>

namespace mercato::codec {

struct codec_error {
  std::string message;  // e.g. "unknown event type 'Foo' (schema 0x...): written by a newer version?"
  bool operator==(const codec_error&) const = default;
};

template <class T>
using decoded = mercato::result<T, codec_error>;

// ---- events ---------------------------------------------------------------------------

/// The event as the store takes it. `Event` is any_event or one entity's variant
/// (cart_event, ...).
template <class Event>
es::event_data to_event_data(const Event& event, std::string causation_id = {});

/// The event of a recorded envelope, in either stored form.
decoded<domain::any_event> decode_event(const es::recorded_event& event);

/// The payload alone: `type`/`schema_id` as recorded, `bytes` a flat-array message.
decoded<domain::any_event> decode_payload(std::uint64_t schema_id, std::string_view bytes);

// ---- snapshots ------------------------------------------------------------------------

/// Serialized Snapshot (schemas/snapshots.capnp), the form snapshot records hold.
std::string encode_snapshot(const domain::snapshot& s);
/// Errors: malformed bytes, an unknown state member (the caller drops the snapshot and
/// replays the stream).
decoded<domain::snapshot> decode_snapshot(std::string_view bytes);

// ---- any generated value ---------------------------------------------------------------

/// A generated value (an entity state, ...) as a flat-array message whose root is its
/// schema's struct, for stores of our own (read models) that keep domain values.
template <class T>
std::string encode_value(const T& value);
template <class T>
decoded<T> decode_value(std::string_view bytes);

// ---- commands -------------------------------------------------------------------------

/// A command as bytes (a flat-array message whose root is Command): what crosses a process
/// boundary when a node forwards a command to the owner of the entity's shard.
std::string encode_command(const domain::any_command& command);
decoded<domain::any_command> decode_command(std::string_view bytes);

}  // namespace mercato::codec
