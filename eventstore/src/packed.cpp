// Cap'n Proto packing (https://capnproto.org/encoding.html#packing): each word is a tag byte
// whose bit i says byte i is non-zero, followed by those bytes; tag 0x00 is followed by a
// count of further zero words, tag 0xff by its 8 bytes and a count of literal words.
#include "packed.hpp"

#include <array>
#include <cstring>

#include <kj/debug.h>

namespace mercato::es::packed {

namespace {

constexpr std::array<std::uint8_t, 256> popcounts = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i)
    for (unsigned b = i; b != 0; b &= b - 1) ++t[i];
  return t;
}();

using v16 = unsigned char __attribute__((vector_size(16)));

/// For each tag, where each output byte comes from in the 8 bytes after the tag: index k
/// for the k-th present byte, 8 (a zero byte beyond the loaded ones) for an absent one.
constexpr std::array<std::array<unsigned char, 16>, 256> shuffles = [] {
  std::array<std::array<unsigned char, 16>, 256> t{};
  for (unsigned tag = 0; tag < 256; ++tag) {
    unsigned char k = 0;
    for (unsigned b = 0; b < 16; ++b) t[tag][b] = b < 8 && (tag >> b) & 1 ? k++ : 8;
  }
  return t;
}();

void grow(words& out, std::size_t need) {
  std::size_t cap = out.capacity == 0 ? 64 : out.capacity * 2;
  while (cap < need) cap *= 2;
  std::unique_ptr<std::uint64_t[]> bigger(new std::uint64_t[cap]);
  if (out.size > 0) std::memcpy(bigger.get(), out.data.get(), out.size * 8);
  out.data = std::move(bigger);
  out.capacity = cap;
}

/// One word with tag 1..254 from the 8 bytes at `src` (all readable; absent ones ignored).
[[gnu::always_inline]] inline std::uint64_t expand(unsigned tag, const unsigned char* src) {
  v16 in{}, mask;
  std::memcpy(&in, src, 8);
  std::memcpy(&mask, shuffles[tag].data(), 16);
  const v16 w = __builtin_shuffle(in, mask);
  std::uint64_t r;
  std::memcpy(&r, &w, 8);
  return r;
}

/// Compiled twice: with SSSE3 the shuffle is one pshufb; without it, GCC's byte-wise form.
__attribute__((target_clones("default", "ssse3"))) void unpack_impl(std::string_view packed, words& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(packed.data());
  const std::size_t n = packed.size();
  std::size_t i = 0, w = 0;
  KJ_REQUIRE(n > 0, "empty packed input");
  while (i < n) {
    if (out.capacity - w < 256 + 1) {  // room for the longest run
      out.size = w;
      grow(out, w + 256 + 1);
    }
    std::uint64_t* o = out.data.get() + w;
    const unsigned tag = p[i++];
    if (tag == 0x00) {
      KJ_REQUIRE(i < n, "packed input ends inside a zero run");
      const std::size_t zeros = 1 + static_cast<std::size_t>(p[i++]);
      std::memset(o, 0, zeros * 8);
      w += zeros;
    } else if (tag == 0xff) {
      KJ_REQUIRE(n - i >= 9, "packed input ends inside a literal word");
      const std::size_t run = p[i + 8];
      KJ_REQUIRE(n - i - 9 >= run * 8, "packed input ends inside a literal run");
      std::memcpy(o, p + i, 8);
      std::memcpy(o + 1, p + i + 9, run * 8);
      i += 9 + run * 8;
      w += 1 + run;
    } else {
      const unsigned present = popcounts[tag];
      KJ_REQUIRE(n - i >= present, "packed input ends inside a word");
      if (n - i >= 8) {
        *o = expand(tag, p + i);
      } else {  // the last bytes of the input: never load past its end
        unsigned char tail[8] = {};
        std::memcpy(tail, p + i, present);
        *o = expand(tag, tail);
      }
      i += present;
      w += 1;
    }
  }
  out.size = w;
}

}  // namespace

void unpack(std::string_view packed, words& out) {
  out.size = 0;
  unpack_impl(packed, out);
}

}  // namespace mercato::es::packed
