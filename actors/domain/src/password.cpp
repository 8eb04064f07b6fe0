// Argon2id through libsodium; the password policy.
#include <stdexcept>

#include <sodium.h>

#include <mercato/domain/password.hpp>

namespace mercato::domain {
namespace {

static_assert(pwhash_limits{}.ops == crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
static_assert(pwhash_limits{}.mem_bytes == crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);

constexpr std::size_t min_chars = 8;
constexpr std::size_t max_chars = 1024;

void ensure_sodium() {
  // sodium_init is thread-safe and idempotent: 0 first time, 1 afterwards, -1 on failure.
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  return n;
}

bool is_letter(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || u >= 0x80U;
}

}  // namespace

mercato::status<domain_error> check_password_policy(std::string_view password) {
  const auto n = code_points(password);
  if (n < min_chars) return refuse(domain_errc::weak_password, "password must have at least 8 characters");
  if (n > max_chars) return refuse(domain_errc::weak_password, "password must have at most 1024 characters");
  bool letter = false;
  bool digit = false;
  for (char c : password) {
    letter = letter || is_letter(c);
    digit = digit || (c >= '0' && c <= '9');
  }
  if (!letter) return refuse(domain_errc::weak_password, "password must contain a letter");
  if (!digit) return refuse(domain_errc::weak_password, "password must contain a digit");
  return mercato::ok;
}

std::string hash_password(std::string_view password, pwhash_limits limits) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), limits.ops, limits.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("Argon2id hashing failed (out of memory or limits out of range)");
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) noexcept {
  if (!hash.starts_with("$argon2id$") || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (sodium_init() < 0) return false;
  const std::string terminated(hash);  // libsodium reads a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view hash, pwhash_limits limits) noexcept {
  if (hash.size() >= crypto_pwhash_STRBYTES) return true;
  const std::string terminated(hash);
  return crypto_pwhash_argon2id_str_needs_rehash(terminated.c_str(), limits.ops, limits.mem_bytes) != 0;
}

}  // namespace mercato::domain
