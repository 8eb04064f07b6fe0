// The event store's own unpacker against Cap'n Proto's packer: every word sequence packed
// by capnp unpacks to the same words; malformed and truncated input throws, never reads
// past its end (ASan build) and never yields words that were not there.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include <capnp/serialize-packed.h>
#include <kj/io.h>

#include "packed.hpp"

using namespace mercato::es;

namespace {

std::string pack(const std::vector<std::uint64_t>& words) {
  kj::VectorOutputStream out;
  capnp::_::PackedOutputStream packer(out);
  packer.write(words.data(), words.size() * 8);
  auto a = out.getArray();
  return {reinterpret_cast<const char*>(a.begin()), a.size()};
}

std::vector<std::uint64_t> unpack(std::string_view p) {
  packed::words w;
  packed::unpack(p, w);
  return {w.data.get(), w.data.get() + w.size};
}

/// Words like a message's: zero runs, sparse words, dense text, all-ones.
std::vector<std::uint64_t> random_words(std::mt19937_64& rng) {
  std::vector<std::uint64_t> w;
  const auto n = 1 + rng() % 600;
  while (w.size() < n) {
    switch (rng() % 5) {
      case 0:
        w.insert(w.end(), rng() % 300, 0);
        break;  // zero run (> 255 too)
      case 1:
        w.push_back(rng() & 0x00ff00000000ff01ull);
        break;  // sparse
      case 2:
        for (auto k = rng() % 300; k > 0; --k) w.push_back(rng() | 0x0101010101010101ull);
        break;  // literal run
      case 3:
        w.push_back(~0ull);
        break;
      default:
        w.push_back(rng());
        break;
    }
  }
  return w;
}

}  // namespace

TEST_CASE("unpacks exactly what capnp packed") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const auto words = random_words(rng);
    const auto p = pack(words);
    REQUIRE(unpack(p) == words);
  }
}

TEST_CASE("malformed input throws") {
  CHECK_THROWS_AS(unpack(""), kj::Exception);
  CHECK_THROWS_AS(unpack(std::string_view("\x00", 1)), kj::Exception);  // zero run without its count
  CHECK_THROWS_AS(unpack("\xff\x01\x02"), kj::Exception);               // literal word cut short
  CHECK_THROWS_AS(unpack(std::string_view("\xff\x01\x01\x01\x01\x01\x01\x01\x01\x02", 10)),
                  kj::Exception);                      // run of 2 missing
  CHECK_THROWS_AS(unpack("\x03\x01"), kj::Exception);  // tag says 2 bytes, 1 follows
  // A reused buffer holds only the latest message.
  packed::words w;
  packed::unpack(pack(std::vector<std::uint64_t>(700, 0x0101)), w);
  packed::unpack(pack({1, 2}), w);
  CHECK(w.size == 2);
  CHECK(w.data[0] == 1);
  CHECK(w.data[1] == 2);
}

TEST_CASE("a truncated input throws or is a prefix of the words, never more") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 40; ++i) {
    const auto words = random_words(rng);
    const auto p = pack(words);
    for (std::size_t cut = 0; cut < p.size(); ++cut) {
      try {
        const auto got = unpack(std::string_view(p).substr(0, cut));
        REQUIRE(got.size() <= words.size());
        REQUIRE(std::equal(got.begin(), got.end(), words.begin()));
      } catch (const kj::Exception&) {
      }
    }
  }
}
