#pragma once
// Events carrying a marker string, for tests and benchmarks of the event store. Each is a
// real CartItemAdded (schemas/events.capnp) built with Cap'n Proto alone, not with the
// domain or the codec library: the store keeps it as opaque bytes, and a reader of the log
// (an export, the codec) still sees a valid event. The marker travels in productId; the
// product name pads the payload to `bytes`.
#include <string>

#include <mercato/eventstore/types.hpp>

namespace mercato::test {

/// An event whose payload (a flat-array CartItemAdded message) is about `bytes` long (at
/// least ~100).
es::event_data sample_event(const std::string& marker, std::size_t bytes = 200);
/// The marker of an event made by sample_event.
std::string marker_of(const es::recorded_event& e);
/// A stream id, asserting validity.
es::stream_id sid(const std::string& s);

}  // namespace mercato::test
