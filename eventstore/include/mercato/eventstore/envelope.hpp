#pragma once
// Reading stored envelopes (schemas/envelope.capnp). Includes Cap'n Proto: include it only
// in .cpp files that read envelope fields beyond those recorded_event carries.
//
// The event inside an envelope is opaque here: `payload()` is its bytes (with `schema_id()`
// and the recorded type name) in records of today's form; records of the first form embed
// the event union instead (`legacy_event()`). The codec library above the store reads both.
#include <string>
#include <string_view>

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <mercato/schema/envelope.capnp.h>
#include <mercato/eventstore/types.hpp>

namespace mercato::es {

/// A reader over a recorded event's envelope. The event (or bytes) must outlive the reader.
class envelope_reader {
 public:
  explicit envelope_reader(const recorded_event& e) : envelope_reader(e.envelope) {}
  explicit envelope_reader(const envelope_bytes& b)
      : reader_(kj::ArrayPtr<const capnp::word>(reinterpret_cast<const capnp::word*>(b.words().data()),
                                                b.words().size())) {}
  schema::Envelope::Reader envelope() { return reader_.getRoot<schema::Envelope>(); }
  /// The event's bytes (a flat-array message whose root is the struct schema_id()); empty
  /// for a record of the first form. Word-aligned: it can be read in place.
  std::string_view payload() {
    auto d = envelope().getPayload();
    return {reinterpret_cast<const char*>(d.begin()), d.size()};
  }
  std::uint64_t schema_id() { return envelope().getSchemaId(); }
  /// A record of the first form: the event union, as an untyped pointer.
  bool has_legacy_event() { return envelope().hasLegacyEvent(); }
  capnp::AnyPointer::Reader legacy_event() { return envelope().getLegacyEvent(); }

 private:
  capnp::FlatArrayMessageReader reader_;
};

/// The envelope's text fields that recorded_event does not carry.
struct envelope_ids {
  std::string correlation_id;
  std::string causation_id;
  std::string idempotency_key;
  std::string node_id;
};
envelope_ids read_envelope_ids(const recorded_event& e);

}  // namespace mercato::es
