#pragma once
// Cap'n Proto's packed encoding, decoded in one tight pass (the stored form of every event).
// capnp's PackedInputStream is a general stream (virtual reads, a size pre-pass, a popcount
// per tag that Debian's build makes a libgcc call): it was half of a full-log scan's
// instructions (docs/benchmarks.md, export profile).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace mercato::es::packed {

/// Words of an unpacked message; grows as unpacking needs.
struct words {
  std::unique_ptr<std::uint64_t[]> data;
  std::size_t capacity = 0;  // in words
  std::size_t size = 0;      // in words
};

/// Unpacks `packed` into `out` (its size set, its buffer reused or grown). Throws
/// kj::Exception when the input is malformed (cut inside a word or run, or empty).
void unpack(std::string_view packed, words& out);

}  // namespace mercato::es::packed
