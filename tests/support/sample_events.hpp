#pragma once
// Real domain events (CartItemAdded) carrying a marker string, for tests and benchmarks of
// the event store. The marker travels in productId; the name pads the event to `bytes`.
#include <string>

#include <mercato/eventstore/types.hpp>

namespace mercato::test {

/// An event whose serialized Event message is about `bytes` long (at least ~80).
es::event_data sample_event(const std::string& marker, std::size_t bytes = 200);
/// The marker of an event made by sample_event.
std::string marker_of(const es::recorded_event& e);
/// A stream id, asserting validity.
es::stream_id sid(const std::string& s);

}  // namespace mercato::test
