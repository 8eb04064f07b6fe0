#pragma once
// Passwords: the policy on the plain text, and Argon2id hashing (libsodium) into the PHC
// string that user events store. Hashing is deliberately slow: call it outside any actor
// that must stay responsive (the runtime's choice), never inside decide.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/domain/error.hpp>

namespace mercato::domain {

/// Argon2id cost. Defaults are libsodium's "interactive" limits (checked against
/// crypto_pwhash_*_INTERACTIVE in password.cpp); tests pass the minimum (1, 8192).
struct pwhash_limits {
  std::uint64_t ops = 2;
  std::size_t mem_bytes = 67108864;
};

/// At least 8 and at most 1024 characters (UTF-8 code points), with at least one letter
/// (ASCII, or any non-ASCII character) and one ASCII digit.
/// Refusal: `weak_password`, the message says which part failed.
mercato::status<domain_error> check_password_policy(std::string_view password);

/// The Argon2id PHC string of `password` with a fresh random salt. Throws
/// std::runtime_error only when libsodium cannot run (not initialised, out of memory, limits
/// outside libsodium's range): a broken environment, not a business refusal.
std::string hash_password(std::string_view password, pwhash_limits limits = {});

/// True iff `hash` is an Argon2id PHC string and `password` matches it. Never throws.
bool verify_password(std::string_view hash, std::string_view password) noexcept;

/// True when `hash` was made with other limits than `limits` (re-hash on the next login).
bool needs_rehash(std::string_view hash, pwhash_limits limits = {}) noexcept;

}  // namespace mercato::domain
