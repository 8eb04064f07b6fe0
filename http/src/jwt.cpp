#include <mercato/http/jwt.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jwt.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include "sodium_init.hpp"
#include "text.hpp"

namespace mercato::http {

using nlohmann::json;

namespace {

constexpr std::size_t max_token_bytes = 8192;

struct jwt_deleter {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

struct c_string_deleter {
  void operator()(char* s) const noexcept { std::free(s); }  // NOLINT: libjwt allocates with malloc
};

std::optional<std::string> base64url_decode(std::string_view in) {
  detail::ensure_sodium();
  std::string out(in.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(),
                        nullptr, &length, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::optional<json> json_object_of(std::string_view segment) {
  auto text = base64url_decode(segment);
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

std::optional<std::int64_t> int_claim(const json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    return std::nullopt;
  return it->get<std::int64_t>();
}

std::optional<std::string> string_claim(const json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::string_view to_string(jwt_error e) noexcept {
  switch (e) {
    case jwt_error::malformed:
      return "malformed token";
    case jwt_error::unsupported_algorithm:
      return "unsupported algorithm";
    case jwt_error::bad_signature:
      return "bad signature";
    case jwt_error::wrong_issuer:
      return "wrong issuer";
    case jwt_error::wrong_audience:
      return "wrong audience";
    case jwt_error::expired:
      return "expired";
    case jwt_error::not_yet_valid:
      return "not yet valid";
    case jwt_error::missing_claim:
      return "missing or invalid claim";
  }
  return "unknown";
}

jwt_settings jwt_settings_from(const config::auth_section& auth, std::string secret) {
  jwt_settings s;
  s.secret = std::move(secret);
  s.issuer = auth.jwt_issuer;
  s.audience = auth.jwt_audience;
  s.lifetime = std::chrono::duration_cast<std::chrono::seconds>(auth.jwt_expiration_minutes);
  return s;
}

/// Tokens already verified, keyed by their exact bytes. Settings never change for a codec,
/// so a token that passed once passes again except for the time checks, which verify()
/// repeats. Lock-striped; a full stripe is simply emptied (bounded memory, no LRU upkeep).
struct jwt_codec::verified_cache {
  static constexpr std::size_t stripes = 16;
  static constexpr std::size_t per_stripe = 1024;  // 16k tokens, ~7 MB at most
  struct entry {
    token_claims claims;
    std::int64_t not_before = 0;  ///< max(iat, nbf): the earliest second it is valid
  };
  struct stripe {
    std::mutex mutex;
    std::unordered_map<std::string, entry> entries;
  };
  std::array<stripe, stripes> parts;

  stripe& of(std::string_view token) { return parts[std::hash<std::string_view>{}(token) % stripes]; }
};

jwt_codec::jwt_codec(jwt_settings settings, clock_fn now)
    : settings_(std::move(settings)), now_(std::move(now)), cache_(std::make_shared<verified_cache>()) {}

result<issued_token, std::string> jwt_codec::issue(const token_subject& subject) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return fail(std::string("jwt_new failed"));
  const jwt_ptr token(raw);
  const std::int64_t now_s = now_() / 1'000'000'000;
  const std::int64_t lifetime = settings_.lifetime.count();
  int rc = jwt_add_grant(raw, "iss", settings_.issuer.c_str());
  if (rc == 0) rc = jwt_add_grant(raw, "aud", settings_.audience.c_str());
  if (rc == 0) rc = jwt_add_grant(raw, "sub", subject.user_id.c_str());
  if (rc == 0) rc = jwt_add_grant(raw, "role", subject.role.c_str());
  if (rc == 0 && subject.email) rc = jwt_add_grant(raw, "email", subject.email->c_str());
  if (rc == 0) rc = jwt_add_grant_int(raw, "iat", static_cast<long>(now_s));
  if (rc == 0) rc = jwt_add_grant_int(raw, "exp", static_cast<long>(now_s + lifetime));
  if (rc == 0) {
    rc = jwt_set_alg(raw, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(settings_.secret.data()),
                     static_cast<int>(settings_.secret.size()));
  }
  if (rc != 0) return fail("building the token failed (errno " + std::to_string(rc) + ")");
  const std::unique_ptr<char, c_string_deleter> encoded(jwt_encode_str(raw));
  if (!encoded) return fail(std::string("jwt_encode_str failed"));
  return issued_token{std::string(encoded.get()), lifetime};
}

result<token_claims, jwt_error> jwt_codec::verify(std::string_view token) const {
  auto& part = cache_->of(token);
  {
    const std::lock_guard lock(part.mutex);
    if (const auto it = part.entries.find(std::string(token)); it != part.entries.end()) {
      const std::int64_t now_s = now_() / 1'000'000'000;
      if (it->second.claims.expires_at <= now_s) return fail(jwt_error::expired);
      if (it->second.not_before > now_s + settings_.leeway.count()) return fail(jwt_error::not_yet_valid);
      return it->second.claims;
    }
  }
  std::int64_t not_before = 0;
  auto verified = verify_uncached(token, not_before);
  if (verified) {
    const std::lock_guard lock(part.mutex);
    if (part.entries.size() >= verified_cache::per_stripe) part.entries.clear();
    part.entries.emplace(std::string(token), verified_cache::entry{*verified, not_before});
  }
  return verified;
}

result<token_claims, jwt_error> jwt_codec::verify_uncached(std::string_view token,
                                                           std::int64_t& not_before) const {
  if (token.empty() || token.size() > max_token_bytes) return fail(jwt_error::malformed);
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(jwt_error::malformed);
  }
  // Our own look at the header first: only HS256 is ever accepted, whatever the library
  // would do with `none` or an asymmetric algorithm given our secret as a key.
  const auto header = json_object_of(token.substr(0, dot1));
  if (!header) return fail(jwt_error::malformed);
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return fail(jwt_error::malformed);
  if (alg->get<std::string>() != "HS256") return fail(jwt_error::unsupported_algorithm);
  if (header->contains("crit")) return fail(jwt_error::unsupported_algorithm);
  const auto claims = json_object_of(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!claims) return fail(jwt_error::malformed);
  if (dot2 + 1 == token.size()) return fail(jwt_error::bad_signature);
  if (settings_.secret.empty()) return fail(jwt_error::bad_signature);

  // The signature, by libjwt (HMAC-SHA256 over the first two segments as sent).
  const std::string text(token);
  jwt_t* raw = nullptr;
  const int rc =
      jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(settings_.secret.data()),
                 static_cast<int>(settings_.secret.size()));
  const jwt_ptr decoded(raw);
  if (rc != 0 || !decoded) return fail(jwt_error::bad_signature);
  if (jwt_get_alg(raw) != JWT_ALG_HS256) return fail(jwt_error::unsupported_algorithm);

  // Claims: from the verified payload.
  const auto iss = string_claim(*claims, "iss");
  if (!iss || *iss != settings_.issuer) return fail(jwt_error::wrong_issuer);
  const auto aud_it = claims->find("aud");
  bool audience_ok = false;
  if (aud_it != claims->end() && aud_it->is_string()) {
    audience_ok = aud_it->get<std::string>() == settings_.audience;
  } else if (aud_it != claims->end() && aud_it->is_array()) {
    for (const auto& a : *aud_it)
      audience_ok = audience_ok || (a.is_string() && a.get<std::string>() == settings_.audience);
  }
  if (!audience_ok) return fail(jwt_error::wrong_audience);
  const auto exp = int_claim(*claims, "exp");
  const auto iat = int_claim(*claims, "iat");
  auto sub = string_claim(*claims, "sub");
  auto role = string_claim(*claims, "role");
  if (!exp || !iat || !sub || sub->empty() || !role || (*role != "customer" && *role != "admin")) {
    return fail(jwt_error::missing_claim);
  }
  const std::int64_t now_s = now_() / 1'000'000'000;
  if (*exp <= now_s) return fail(jwt_error::expired);
  const std::int64_t leeway = settings_.leeway.count();
  if (*iat > now_s + leeway) return fail(jwt_error::not_yet_valid);
  not_before = *iat;
  if (claims->contains("nbf")) {
    const auto nbf = int_claim(*claims, "nbf");
    if (!nbf) return fail(jwt_error::missing_claim);
    if (*nbf > now_s + leeway) return fail(jwt_error::not_yet_valid);
    not_before = std::max(not_before, *nbf);
  }
  token_claims out;
  out.user_id = std::move(*sub);
  out.role = std::move(*role);
  out.email = string_claim(*claims, "email");
  out.issued_at = *iat;
  out.expires_at = *exp;
  return out;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept {
  const std::string_view value = detail::trim_blanks(authorization);
  const auto space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  if (!detail::iequals(value.substr(0, space), "bearer")) return std::nullopt;
  const std::string_view token = detail::trim_blanks(value.substr(space + 1));
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  return token;
}

std::filesystem::path generated_secret_path(const std::filesystem::path& data_dir) {
  return data_dir / "jwt-secret";
}

namespace {

result<std::string, std::string> read_secret_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read the generated JWT secret " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < min_jwt_secret_bytes) {
    return fail("the generated JWT secret " + path.string() + " is shorter than " +
                std::to_string(min_jwt_secret_bytes) +
                " bytes; delete it to make a new one, or set JWT_SECRET");
  }
  return secret;
}

result<std::string, std::string> write_new_secret(const std::filesystem::path& path) {
  detail::ensure_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  sodium_memzero(bytes, sizeof bytes);
  const std::string secret(hex, sizeof bytes * 2);
  sodium_memzero(hex, sizeof hex);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + path.string() + ": " + std::generic_category().message(errno));
  const std::string line = secret + "\n";
  const bool written =
      ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path, ec);
    return fail("cannot write " + path.string());
  }
  return secret;
}

}  // namespace

result<resolved_secret, std::string> resolve_jwt_secret(const config::auth_section& auth,
                                                        config::run_profile profile,
                                                        const std::filesystem::path& data_dir) {
  const std::string min_text = std::to_string(min_jwt_secret_bytes);
  if (!auth.jwt_secret.empty()) {
    if (auth.jwt_secret.size() >= min_jwt_secret_bytes) return resolved_secret{auth.jwt_secret, ""};
    if (profile == config::run_profile::prod) {
      return fail("the JWT secret (JWT_SECRET / auth.jwt_secret) has " +
                  std::to_string(auth.jwt_secret.size()) + " bytes; the prod profile needs at least " +
                  min_text + " (e.g. `openssl rand -hex 32`)");
    }
    return resolved_secret{auth.jwt_secret,
                           "the JWT secret is shorter than " + min_text + " bytes; fine for " +
                               std::string(config::to_string(profile)) + ", refused in prod"};
  }
  if (profile == config::run_profile::prod) {
    return fail(
        "no JWT secret: the prod profile refuses to start without one; set JWT_SECRET (or auth.jwt_secret) "
        "to at least " +
        min_text + " random bytes (e.g. `openssl rand -hex 32`)");
  }
  const auto path = generated_secret_path(data_dir);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    auto secret = read_secret_file(path);
    if (!secret) return fail(std::move(secret.error()));
    return resolved_secret{std::move(*secret),
                           "no JWT_SECRET set: using the generated secret in " + path.string() + " (" +
                               std::string(config::to_string(profile)) + " profile only)"};
  }
  auto secret = write_new_secret(path);
  if (!secret) return fail(std::move(secret.error()));
  return resolved_secret{std::move(*secret), "no JWT_SECRET set: generated a random secret into " +
                                                 path.string() + " (mode 0600; " +
                                                 std::string(config::to_string(profile)) +
                                                 " profile only, prod needs JWT_SECRET)"};
}

}  // namespace mercato::http
