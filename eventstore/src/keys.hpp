#pragma once
// Key layout of the event store's column families (docs/storage-format.md).
// Integers are big-endian so that RocksDB's bytewise order is numeric order.
#include <cstdint>
#include <string>
#include <string_view>

namespace mercato::es::keys {

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xffu));
}
inline void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xffu));
}
inline std::uint64_t get_u64(std::string_view in, std::size_t at = 0) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}
inline std::uint32_t get_u32(std::string_view in, std::size_t at = 0) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

/// events: (shard u32, sequence u64) → Envelope
inline std::string event(std::uint32_t shard, std::uint64_t seq) {
  std::string k;
  k.reserve(12);
  put_u32(k, shard);
  put_u64(k, seq);
  return k;
}
inline constexpr std::size_t event_key_size = 12;

/// Keys of per-stream column families: stream id, '\0', then a big-endian u64 (stream
/// index and snapshots: the version) or a text suffix (idempotency keys).
inline std::string stream_prefix(std::string_view stream) {
  std::string k;
  k.reserve(stream.size() + 9);
  k.append(stream);
  k.push_back('\0');
  return k;
}
inline std::string stream_versioned(std::string_view stream, std::uint64_t version) {
  std::string k = stream_prefix(stream);
  put_u64(k, version);
  return k;
}
inline std::string stream_suffixed(std::string_view stream, std::string_view suffix) {
  std::string k = stream_prefix(stream);
  k.append(suffix);
  return k;
}

inline std::string u64_value(std::uint64_t v) {
  std::string s;
  s.reserve(8);
  put_u64(s, v);
  return s;
}

}  // namespace mercato::es::keys
