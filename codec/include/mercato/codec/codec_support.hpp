#pragma once
// What the generated codec (NAME.codec.cpp, written by tools/capnpc-mercato) is built from:
// the read context that collects decoding problems, per-type traits, and Text/Data/List
// conversions. Includes Cap'n Proto: include it only where messages are built or read.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <capnp/blob.h>
#include <capnp/list.h>

namespace mercato::codec {

/// Collects the first problem met while reading a message: reading goes on (so one pass
/// needs no error checks per field) and the caller looks at ok() once at the end.
struct read_context {
  std::string error;
  bool ok() const noexcept { return error.empty(); }
  void fail(std::string message) {
    if (error.empty()) error = std::move(message);
  }
  /// A union member this build does not know (written by a newer version).
  void unknown_member(std::string_view where, std::uint16_t ordinal);
  /// An enumerant this build does not know, in an enum without $unknownAs.
  void unknown_enumerant(std::string_view where, std::uint16_t value);
};

/// Per generated enum: count of enumerants, the $unknownAs fallback, the schema name.
template <class E>
struct enum_traits;
/// Per generated (or hand-written, $cxxType) value type: its capnp struct.
template <class T>
struct schema_of;

/// A Text reader over `s`, which must outlive it (capnp wants the NUL std::string has).
inline capnp::Text::Reader text(const std::string& s) {
  return {s.c_str(), s.size()};
}
inline capnp::Data::Reader data(const std::string& s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}
inline std::string str(capnp::Text::Reader r) {
  return {r.cStr(), r.size()};
}
inline std::string str(capnp::Data::Reader r) {
  return {reinterpret_cast<const char*>(r.begin()), r.size()};
}
/// A list size as Cap'n Proto takes it; throws std::length_error past 2^29 elements (a
/// bug: no rule lets a list grow that long).
unsigned list_size(std::size_t n);

template <class E>
E read_enum(std::uint16_t raw, read_context& ctx, std::string_view where) {
  if (raw < enum_traits<E>::count) return static_cast<E>(raw);
  if constexpr (enum_traits<E>::unknown_as.has_value()) {
    return *enum_traits<E>::unknown_as;
  } else {
    ctx.unknown_enumerant(where, raw);
    return E{};
  }
}

}  // namespace mercato::codec
