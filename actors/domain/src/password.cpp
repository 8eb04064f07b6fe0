// Argon2id through libsodium; the password policy.
#include <charconv>
#include <stdexcept>

#include <sodium.h>

#include <mercato/domain/password.hpp>

namespace mercato::domain {
namespace {

// OWASP's recommended minimum for Argon2id (Password Storage Cheat Sheet): m = 19 MiB,
// t = 2, p = 1. libsodium's INTERACTIVE limits (64 MiB, 2 passes), the former default, cost
// about five times as much CPU per check (docs/library-notes.md).
static_assert(pwhash_limits{}.ops == 2);
static_assert(pwhash_limits{}.mem_bytes == 19456U * 1024U);
static_assert(pwhash_limits{}.lanes == 1);

constexpr std::uint32_t argon2_version = 0x13;  // Argon2 1.3: what libsodium writes (v=19)
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

/// Reads `<name>=<digits>` at the front of `s` and the separator after it; false when absent.
bool take_number(std::string_view& s, std::string_view name, char separator, std::uint32_t& out) noexcept {
  if (!s.starts_with(name) || s.size() <= name.size() || s[name.size()] != '=') return false;
  s.remove_prefix(name.size() + 1);
  const auto* end = s.data() + s.size();
  auto [next, ec] = std::from_chars(s.data(), end, out);
  if (ec != std::errc{} || next == s.data() || next == end || *next != separator) return false;
  s.remove_prefix(static_cast<std::size_t>(next - s.data()) + 1);
  return true;
}

}  // namespace

std::optional<argon2_params> params_of(std::string_view hash) noexcept {
  constexpr std::string_view prefix = "$argon2id$";
  if (!hash.starts_with(prefix)) return std::nullopt;
  hash.remove_prefix(prefix.size());
  argon2_params p;
  if (!take_number(hash, "v", '$', p.version) || !take_number(hash, "m", ',', p.memory_kib) ||
      !take_number(hash, "t", ',', p.passes) || !take_number(hash, "p", '$', p.lanes))
    return std::nullopt;
  return p;
}

argon2_params params_for(const pwhash_limits& limits) noexcept {
  return {argon2_version, static_cast<std::uint32_t>(limits.mem_bytes / 1024U),
          static_cast<std::uint32_t>(limits.ops), limits.lanes};
}

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
  if (limits.lanes != 1) throw std::runtime_error("libsodium computes Argon2id with one lane only");
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
  // libsodium's crypto_pwhash_str_needs_rehash ignores the lane count; compare every field.
  const auto params = params_of(hash);
  return !params || *params != params_for(limits);
}

}  // namespace mercato::domain
