#include <mercato/http/webhook_sig.hpp>

#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include <sodium.h>

#include "sodium_init.hpp"

namespace mercato::http {
namespace {

using mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

mac hmac(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  detail::ensure_sodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  const std::string prefix = std::to_string(timestamp) + ".";
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  mac out{};
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof state);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool decode_hex(std::string_view hex, mac& out) {
  if (hex.size() != out.size() * 2) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    unsigned int v = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      const char c = hex[2 * i + k];
      unsigned int d = 0;
      if (c >= '0' && c <= '9')
        d = static_cast<unsigned int>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<unsigned int>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<unsigned int>(c - 'A' + 10);
      else
        return false;
      v = v * 16 + d;
    }
    out[i] = static_cast<unsigned char>(v);
  }
  return true;
}

}  // namespace

std::string_view to_string(signature_error e) noexcept {
  switch (e) {
    case signature_error::no_secret:
      return "no webhook secret configured";
    case signature_error::missing_header:
      return "missing signature header";
    case signature_error::malformed_header:
      return "malformed signature header";
    case signature_error::stale_timestamp:
      return "timestamp outside the tolerance";
    case signature_error::bad_signature:
      return "signature does not match";
  }
  return "unknown";
}

std::string webhook_hmac_hex(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  const mac m = hmac(secret, timestamp, body);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(m.size() * 2);
  for (unsigned char b : m) {
    hex += digits[b >> 4U];
    hex += digits[b & 0x0FU];
  }
  return hex;
}

std::string sign_webhook(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  return "t=" + std::to_string(timestamp) + ",v1=" + webhook_hmac_hex(secret, timestamp, body);
}

webhook_verifier::webhook_verifier(std::string secret, std::chrono::seconds tolerance, clock_fn now)
    : secret_(std::move(secret)), tolerance_(tolerance), now_(std::move(now)) {}

status<signature_error> webhook_verifier::verify(std::string_view header, std::string_view body) const {
  if (secret_.empty()) return fail(signature_error::no_secret);
  if (trim(header).empty()) return fail(signature_error::missing_header);
  std::optional<std::int64_t> timestamp;
  std::vector<mac> candidates;
  std::size_t start = 0;
  while (start <= header.size()) {
    const std::size_t comma = std::min(header.find(',', start), header.size());
    const std::string_view item = trim(header.substr(start, comma - start));
    start = comma + 1;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      if (item.empty()) continue;
      return fail(signature_error::malformed_header);
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      std::int64_t t = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
      if (timestamp || ec != std::errc{} || end != value.data() + value.size() || t < 0)
        return fail(signature_error::malformed_header);
      timestamp = t;
    } else if (key == "v1") {
      mac m{};
      if (!decode_hex(value, m) || candidates.size() >= 8) return fail(signature_error::malformed_header);
      candidates.push_back(m);
    }
    // Other schemes (v0=...) are ignored, as Stripe does.
  }
  if (!timestamp || candidates.empty()) return fail(signature_error::malformed_header);
  const std::int64_t now_s = now_() / 1'000'000'000;
  const std::int64_t age = now_s - *timestamp;
  if (age > tolerance_.count() || -age > tolerance_.count()) return fail(signature_error::stale_timestamp);
  const mac expected = hmac(secret_, *timestamp, body);
  bool match = false;
  for (const mac& m : candidates) {
    // Constant time: every candidate is compared fully.
    match = (sodium_memcmp(m.data(), expected.data(), expected.size()) == 0) || match;
  }
  if (!match) return fail(signature_error::bad_signature);
  return ok;
}

}  // namespace mercato::http
