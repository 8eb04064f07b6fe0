// The codec's entry points (codec.hpp): events in the log's opaque form and the first form,
// snapshots and commands as flat-array messages. The boundary where decoding problems (the
// read_context's and Cap'n Proto's exceptions on malformed bytes) become codec_error values.
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <memory>

#include <mercato/codec/codec.hpp>
#include <mercato/codec/commands.codec.hpp>
#include <mercato/codec/events.codec.hpp>
#include <mercato/codec/snapshots.codec.hpp>
#include <mercato/eventstore/envelope.hpp>

namespace mercato::codec {
namespace {

std::string flat_bytes(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

/// Word-aligned view of `bytes`: in place when already aligned (std::string buffers and
/// envelope payloads are), else a copy kept in `copy`.
kj::ArrayPtr<const capnp::word> aligned_words(std::string_view bytes, std::unique_ptr<capnp::word[]>& copy) {
  const std::size_t n = bytes.size() / sizeof(capnp::word);
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0)
    return {reinterpret_cast<const capnp::word*>(bytes.data()), n};
  copy = std::make_unique<capnp::word[]>(n);
  std::memcpy(copy.get(), bytes.data(), n * sizeof(capnp::word));
  return {copy.get(), n};
}

/// Reads a message whose root is `Schema` into `out` (a generated value type).
template <class Schema, class T>
decoded<T> read_message(std::string_view bytes, const char* what) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return fail(codec_error{std::string(what) + ": not a flat-array message (" +
                            std::to_string(bytes.size()) + " bytes)"});
  try {
    std::unique_ptr<capnp::word[]> copy;
    capnp::FlatArrayMessageReader message(aligned_words(bytes, copy));
    T out{};
    read_context ctx;
    read(message.getRoot<Schema>(), out, ctx);
    if (!ctx.ok()) return fail(codec_error{std::string(what) + ": " + ctx.error});
    return out;
  } catch (const kj::Exception& e) {
    return fail(codec_error{std::string(what) + " is malformed: " + e.getDescription().cStr()});
  }
}

/// Writes `event` (one alternative of any_event) as the root of a message.
template <class E>
es::event_data payload_of(const E& event, std::string causation) {
  capnp::MallocMessageBuilder message(128);
  write(event, message.initRoot<typename schema_of<E>::type>());
  return {std::string(E::type_name), E::schema_id, flat_bytes(message), std::move(causation)};
}

/// Reads a payload whose root is the struct `schema_id` as that alternative of any_event.
decoded<domain::any_event> read_payload(std::uint64_t schema_id, kj::ArrayPtr<const capnp::word> words) {
  std::optional<decoded<domain::any_event>> found;
  auto try_one = [&]<class E>(std::type_identity<E>) {
    if (found || E::schema_id != schema_id) return;
    capnp::FlatArrayMessageReader message(words);
    E out{};
    read_context ctx;
    read(message.getRoot<typename schema_of<E>::type>(), out, ctx);
    if (!ctx.ok())
      found.emplace(fail(codec_error{std::string(E::type_name) + ": " + ctx.error}));
    else
      found.emplace(domain::any_event{std::move(out)});
  };
  [&]<class... Es>(std::type_identity<std::variant<Es...>>) {
    (try_one(std::type_identity<Es>{}), ...);
  }(std::type_identity<domain::any_event>{});
  if (found) return std::move(*found);
  char id[20];
  std::snprintf(id, sizeof id, "0x%016llx", static_cast<unsigned long long>(schema_id));
  return fail(
      codec_error{"unknown event type (schema " + std::string(id) + "): written by a newer version?"});
}

}  // namespace

template <class Event>
es::event_data to_event_data(const Event& event, std::string causation_id) {
  return std::visit([&](const auto& e) { return payload_of(e, std::move(causation_id)); }, event);
}

template es::event_data to_event_data(const domain::any_event&, std::string);
template es::event_data to_event_data(const domain::user_event&, std::string);
template es::event_data to_event_data(const domain::email_claim_event&, std::string);
template es::event_data to_event_data(const domain::product_event&, std::string);
template es::event_data to_event_data(const domain::cart_event&, std::string);
template es::event_data to_event_data(const domain::order_event&, std::string);
template es::event_data to_event_data(const domain::payment_event&, std::string);
template es::event_data to_event_data(const domain::notification_event&, std::string);
template es::event_data to_event_data(const domain::checkout_event&, std::string);

decoded<domain::any_event> decode_payload(std::uint64_t schema_id, std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return fail(codec_error{"event payload is not a flat-array message"});
  try {
    std::unique_ptr<capnp::word[]> copy;
    return read_payload(schema_id, aligned_words(bytes, copy));
  } catch (const kj::Exception& e) {
    return fail(codec_error{std::string("event payload is malformed: ") + e.getDescription().cStr()});
  }
}

decoded<domain::any_event> decode_event(const es::recorded_event& event) {
  try {
    es::envelope_reader r(event);
    const auto payload = r.payload();
    if (!payload.empty()) {
      auto d = decode_payload(r.schema_id(), payload);
      if (!d) return fail(codec_error{d.error().message + " (" + event.type + ")"});
      return d;
    }
    if (!r.has_legacy_event()) return fail(codec_error{"envelope holds no event"});
    domain::any_event out{};
    read_context ctx;
    read(r.legacy_event().getAs<schema::Event>(), out, ctx);
    if (!ctx.ok()) return fail(codec_error{ctx.error});
    return out;
  } catch (const kj::Exception& e) {
    return fail(codec_error{std::string("envelope is malformed: ") + e.getDescription().cStr()});
  }
}

std::string encode_snapshot(const domain::snapshot& s) {
  capnp::MallocMessageBuilder message;
  write(s, message.initRoot<schema::Snapshot>());
  return flat_bytes(message);
}

decoded<domain::snapshot> decode_snapshot(std::string_view bytes) {
  return read_message<schema::Snapshot, domain::snapshot>(bytes, "snapshot");
}

template <class T>
std::string encode_value(const T& value) {
  capnp::MallocMessageBuilder message(128);
  write(value, message.initRoot<typename schema_of<T>::type>());
  return flat_bytes(message);
}

template <class T>
decoded<T> decode_value(std::string_view bytes) {
  return read_message<typename schema_of<T>::type, T>(bytes, T::type_name.data());
}

#define MERCATO_VALUE(T)                       \
  template std::string encode_value(const T&); \
  template decoded<T> decode_value(std::string_view);
MERCATO_VALUE(domain::user_state)
MERCATO_VALUE(domain::email_claim_state)
MERCATO_VALUE(domain::product_state)
MERCATO_VALUE(domain::cart_state)
MERCATO_VALUE(domain::order_state)
MERCATO_VALUE(domain::payment_state)
MERCATO_VALUE(domain::checkout_state)
#undef MERCATO_VALUE

std::string encode_command(const domain::any_command& command) {
  capnp::MallocMessageBuilder message(128);
  write(command, message.initRoot<schema::Command>());
  return flat_bytes(message);
}

decoded<domain::any_command> decode_command(std::string_view bytes) {
  return read_message<schema::Command, domain::any_command>(bytes, "command");
}

}  // namespace mercato::codec
