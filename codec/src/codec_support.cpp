// The generated codec's support: problems recorded while reading, list sizes.
#include <stdexcept>

#include <mercato/codec/codec_support.hpp>

namespace mercato::codec {

void read_context::unknown_member(std::string_view where, std::uint16_t ordinal) {
  fail("unknown " + std::string(where) + " member " + std::to_string(ordinal) +
       " (written by a newer version?)");
}

void read_context::unknown_enumerant(std::string_view where, std::uint16_t value) {
  fail("unknown enumerant " + std::to_string(value) + " in " + std::string(where) +
       " (written by a newer version?)");
}

unsigned list_size(std::size_t n) {
  if (n > (std::size_t{1} << 29)) throw std::length_error("list too long to store");
  return static_cast<unsigned>(n);
}

}  // namespace mercato::codec
