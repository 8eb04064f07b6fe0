#pragma once
// Decoding and encoding of stored envelopes. Includes Cap'n Proto: include it only in
// .cpp files that work with the domain event itself.
#include <string>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <mercato/schema/envelope.capnp.h>
#include <mercato/schema/events.capnp.h>
#include <mercato/eventstore/types.hpp>

namespace mercato::es {

/// A reader over a recorded event's envelope. The event must outlive the reader.
class envelope_reader {
 public:
  explicit envelope_reader(const recorded_event& e)
      : reader_(kj::ArrayPtr<const capnp::word>(
            reinterpret_cast<const capnp::word*>(e.envelope.words().data()), e.envelope.words().size())) {}
  explicit envelope_reader(const envelope_bytes& b)
      : reader_(kj::ArrayPtr<const capnp::word>(reinterpret_cast<const capnp::word*>(b.words().data()),
                                                b.words().size())) {}
  schema::Envelope::Reader envelope() { return reader_.getRoot<schema::Envelope>(); }
  schema::Event::Reader event() { return envelope().getEvent(); }

 private:
  capnp::FlatArrayMessageReader reader_;
};

/// Serializes a built Event message into the flat form `event_data::event` expects.
inline std::string encode_event(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

}  // namespace mercato::es
