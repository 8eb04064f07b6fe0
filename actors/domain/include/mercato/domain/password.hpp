#pragma once
// Passwords: the policy on the plain text, and Argon2id hashing (libsodium) into the PHC
// string that user events store. Hashing is deliberately slow: call it outside any actor
// that must stay responsive (the runtime's choice), never inside decide.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <mercato/domain/error.hpp>

namespace mercato::domain {

/// Argon2id cost. The defaults are OWASP's recommended minimum for Argon2id: 19 MiB
/// (19456 KiB), 2 passes, 1 lane (checked in password.cpp); the node sets them from
/// `auth.argon2.*`. Tests pass the minimum (1, 8192). `{ops, mem_bytes}` initialisers keep
/// their meaning: lanes defaults to 1.
///
/// libsodium computes Argon2id with one lane only, so hash_password refuses `lanes` != 1.
/// Hashes made elsewhere with more lanes still verify (libsodium runs the lanes one after
/// the other) and needs_rehash reports them.
struct pwhash_limits {
  std::uint64_t ops = 2;                             ///< passes over the memory (Argon2's t)
  std::size_t mem_bytes = std::size_t{19456} << 10;  ///< memory in bytes (Argon2's m, in KiB, is this / 1024)
  std::uint32_t lanes = 1;                           ///< parallelism (Argon2's p); 1 with libsodium
};

/// The cost written into an Argon2id PHC string: `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$...`.
/// What a verification of that hash costs depends on these alone.
struct argon2_params {
  std::uint32_t version = 0;  ///< 19 (0x13) for every hash libsodium writes
  std::uint32_t memory_kib = 0;
  std::uint32_t passes = 0;
  std::uint32_t lanes = 0;
  bool operator==(const argon2_params&) const = default;
};

/// The parameters of an Argon2id PHC string; nullopt for anything else (another algorithm,
/// a malformed or truncated string, numbers that do not fit 32 bits).
std::optional<argon2_params> params_of(std::string_view hash) noexcept;

/// The parameters hash_password(_, limits) writes (version 19, m = mem_bytes / 1024 as
/// libsodium computes it).
argon2_params params_for(const pwhash_limits& limits) noexcept;

/// At least 8 and at most 1024 characters (UTF-8 code points), with at least one letter
/// (ASCII, or any non-ASCII character) and one ASCII digit.
/// Refusal: `weak_password`, the message says which part failed.
mercato::status<domain_error> check_password_policy(std::string_view password);

/// The Argon2id PHC string of `password` with a fresh random salt. Throws
/// std::runtime_error only when libsodium cannot run (not initialised, out of memory, limits
/// outside libsodium's range, lanes other than 1): a broken environment or configuration,
/// not a business refusal.
std::string hash_password(std::string_view password, pwhash_limits limits = {});

/// True iff `hash` is an Argon2id PHC string and `password` matches it. Never throws.
bool verify_password(std::string_view hash, std::string_view password) noexcept;

/// True when `hash` does not carry exactly the parameters hash_password(_, limits) writes
/// (memory, passes, lanes, version), or is no Argon2id PHC string: re-hash it at the next
/// successful login. Unlike libsodium's own check, a different lane count counts.
bool needs_rehash(std::string_view hash, pwhash_limits limits = {}) noexcept;

}  // namespace mercato::domain
