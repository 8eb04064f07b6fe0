#pragma once
// The stored form of domain events and states: every event ↔ schema::Event, every state ↔
// schema::Snapshot (schemas/*.capnp). The only domain header that includes Cap'n Proto;
// include it only where bytes are read or written (the runtime, tools, projections).
//
// Decoding never throws and never crashes on bytes from a newer writer: an unknown union
// member or enumerant without a generic meaning, an invalid currency or a malformed message
// comes back as a codec_error naming what was wrong (docs/schema-evolution.md rule 6).
// Unknown enumerants that have a generic meaning are mapped to it: an unknown role reads as
// customer, cancel or payment-failure reason as unspecified, refusal code as invalid_request.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <capnp/message.h>

#include <mercato/schema/errors.capnp.h>
#include <mercato/schema/events.capnp.h>
#include <mercato/schema/snapshots.capnp.h>
#include <mercato/common/result.hpp>
#include <mercato/domain/events.hpp>

namespace mercato::domain {

struct codec_error {
  std::string message;  // e.g. "unknown Event member 57 (written by a newer version?)"
  bool operator==(const codec_error&) const = default;
};

template <class T>
using decoded = mercato::result<T, codec_error>;

// ---- events ---------------------------------------------------------------------------

/// Writes `event` into `out` (sets exactly one union member).
void encode_event(const any_event& event, schema::Event::Builder out);

/// Same for an entity's own event variant.
template <class... Ts>
void encode_event(const std::variant<Ts...>& event, schema::Event::Builder out) {
  encode_event(to_any(event), out);
}

/// Makes `event` the root of `message`; returns its type name (the envelope's eventType).
template <class Event>
std::string_view encode_event(const Event& event, capnp::MessageBuilder& message) {
  encode_event(event, message.initRoot<schema::Event>());
  return event_type_name(event);
}

/// Reads any event. Errors: `none` (never written), unknown member, invalid content.
decoded<any_event> decode_event(schema::Event::Reader in);

/// Reads an event of one entity's stream; an event of another entity is an error too.
template <class EntityEvent>
decoded<EntityEvent> decode_event_as(schema::Event::Reader in) {
  auto any = decode_event(in);
  if (!any) return mercato::fail(any.error());
  if (auto e = as_entity_event<EntityEvent>(*any)) return *e;
  return mercato::fail(
      codec_error{"event " + std::string(event_type_name(*any)) + " does not belong to this kind of stream"});
}

// ---- snapshots ------------------------------------------------------------------------

/// The version of each entity's fold (apply). Bump one when its apply changes meaning: its
/// stored snapshots are then refused by decode_state and the stream is replayed.
template <class State>
inline constexpr std::uint32_t state_version = 1;

/// Sets `out.state` and `out.stateVersion`; the caller sets streamId, version, takenAtNs.
void encode_state(const user_state& state, schema::Snapshot::Builder out);
void encode_state(const email_claim_state& state, schema::Snapshot::Builder out);
void encode_state(const product_state& state, schema::Snapshot::Builder out);
void encode_state(const cart_state& state, schema::Snapshot::Builder out);
void encode_state(const order_state& state, schema::Snapshot::Builder out);
void encode_state(const payment_state& state, schema::Snapshot::Builder out);
void encode_state(const checkout_state& state, schema::Snapshot::Builder out);

/// Reads the state of a snapshot. Errors (drop the snapshot and replay the stream): another
/// entity's state, an unknown state member, another stateVersion, invalid content.
template <class State>
decoded<State> decode_state(schema::Snapshot::Reader in);

template <>
decoded<user_state> decode_state<user_state>(schema::Snapshot::Reader in);
template <>
decoded<email_claim_state> decode_state<email_claim_state>(schema::Snapshot::Reader in);
template <>
decoded<product_state> decode_state<product_state>(schema::Snapshot::Reader in);
template <>
decoded<cart_state> decode_state<cart_state>(schema::Snapshot::Reader in);
template <>
decoded<order_state> decode_state<order_state>(schema::Snapshot::Reader in);
template <>
decoded<payment_state> decode_state<payment_state>(schema::Snapshot::Reader in);
template <>
decoded<checkout_state> decode_state<checkout_state>(schema::Snapshot::Reader in);

// ---- refusal codes on the wire --------------------------------------------------------

schema::DomainError to_schema(domain_errc code) noexcept;
/// An enumerant this build does not know reads as invalid_request (a generic refusal).
domain_errc from_schema(schema::DomainError code) noexcept;

}  // namespace mercato::domain
