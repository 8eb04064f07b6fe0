#include <mercato/common/ids.hpp>

#include <sodium.h>

#include <stdexcept>

namespace mercato::ids {

namespace {

constexpr std::size_t id_bytes = 16;

/// sodium_init() is thread-safe and idempotent; done once before the first id.
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

std::string to_hex(const unsigned char (&bytes)[id_bytes]) {
  char hex[id_bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace

std::string random_id() {
  ensure_sodium();
  unsigned char raw[id_bytes];
  randombytes_buf(raw, sizeof raw);
  return to_hex(raw);
}

std::string derived_id(std::initializer_list<std::string_view> parts) {
  ensure_sodium();
  unsigned char out[id_bytes];
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, sizeof out);
  bool first = true;
  for (const auto part : parts) {
    if (!first) {
      const unsigned char sep = 0;
      crypto_generichash_update(&st, &sep, 1);
    }
    first = false;
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  }
  crypto_generichash_final(&st, out, sizeof out);
  return to_hex(out);
}

}  // namespace mercato::ids
