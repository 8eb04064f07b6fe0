#include <doctest/doctest.h>

#include <mercato/http/jwt.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <jwt.h>
#include <sodium.h>
#include <sys/stat.h>

#include "temp_dir.hpp"

namespace h = mercato::http;
namespace cfg = mercato::config;
using namespace std::chrono_literals;

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef-test-secret";
constexpr std::int64_t t0 = 1'800'000'000;  // seconds since the epoch

mercato::clock_fn at(std::int64_t seconds) {
  return [seconds] { return seconds * 1'000'000'000; };
}

h::jwt_settings settings(std::string key = secret) {
  return {.secret = std::move(key), .issuer = "mercato", .audience = "mercato-storefront", .lifetime = 3600s};
}

h::jwt_codec codec_at(std::int64_t seconds, std::string key = secret) {
  return h::jwt_codec(settings(std::move(key)), at(seconds));
}

std::string issue_at(std::int64_t seconds,
                     h::token_subject subject = {"user-1", "customer", "a@example.com"}) {
  auto t = codec_at(seconds).issue(subject);
  REQUIRE(t.has_value());
  return t->access_token;
}

std::string b64url(std::string_view in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string hs256(std::string_view key, std::string_view signing_input) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(signing_input.data()),
                                signing_input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return b64url(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

/// A token with any header and payload, signed HS256 with `key` (a forger's toolkit).
std::string forge(std::string_view header, std::string_view payload, std::string_view key = secret) {
  const std::string input = b64url(header) + "." + b64url(payload);
  return input + "." + hs256(key, input);
}

std::string claims(std::int64_t iat, std::int64_t exp, std::string_view extra = "",
                   std::string_view iss = "mercato", std::string_view aud = "mercato-storefront") {
  return R"({"iss":")" + std::string(iss) + R"(","aud":")" + std::string(aud) +
         R"(","sub":"user-1","role":"customer","iat":)" + std::to_string(iat) +
         ",\"exp\":" + std::to_string(exp) + std::string(extra) + "}";
}

h::jwt_error error_of(const std::string& token, std::int64_t now = t0) {
  auto r = codec_at(now).verify(token);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("issue then verify round-trips the claims") {
  auto issued = codec_at(t0).issue({"user-1", "admin", "admin@example.com"});
  REQUIRE(issued.has_value());
  CHECK(issued->expires_in == 3600);
  const auto c = codec_at(t0 + 10).verify(issued->access_token);
  REQUIRE(c.has_value());
  CHECK(c->user_id == "user-1");
  CHECK(c->role == "admin");
  CHECK(c->is_admin());
  CHECK(c->email == "admin@example.com");
  CHECK(c->issued_at == t0);
  CHECK(c->expires_at == t0 + 3600);
}

TEST_CASE("a token we forge ourselves with the right key verifies (the test's forger is faithful)") {
  CHECK(codec_at(t0).verify(forge(R"({"alg":"HS256","typ":"JWT"})", claims(t0, t0 + 60))).has_value());
}

TEST_CASE("expiry: valid until exp, refused at and after it") {
  const std::string token = issue_at(t0);
  CHECK(codec_at(t0 + 3599).verify(token).has_value());
  CHECK(error_of(token, t0 + 3600) == h::jwt_error::expired);
  CHECK(error_of(token, t0 + 100000) == h::jwt_error::expired);
}

TEST_CASE("alg none, other HMACs and asymmetric algorithms are refused") {
  const std::string payload = claims(t0, t0 + 60);
  CHECK(error_of(b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(payload) + ".") ==
        h::jwt_error::unsupported_algorithm);
  CHECK(error_of(b64url(R"({"alg":"none"})") + "." + b64url(payload)) == h::jwt_error::malformed);
  CHECK(error_of(forge(R"({"alg":"hs256"})", payload)) == h::jwt_error::unsupported_algorithm);
  CHECK(error_of(forge(R"({"alg":"RS256"})", payload)) == h::jwt_error::unsupported_algorithm);
  CHECK(error_of(forge(R"({"typ":"JWT"})", payload)) == h::jwt_error::malformed);

  // HS384 made by libjwt itself with our very secret.
  jwt_t* raw = nullptr;
  REQUIRE(jwt_new(&raw) == 0);
  jwt_add_grants_json(raw, payload.c_str());
  jwt_set_alg(raw, JWT_ALG_HS384, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* encoded = jwt_encode_str(raw);
  REQUIRE(encoded != nullptr);
  const std::string hs384(encoded);
  std::free(encoded);
  jwt_free(raw);
  CHECK(error_of(hs384) == h::jwt_error::unsupported_algorithm);
}

TEST_CASE("bad signatures: another key, a tampered payload, a missing or altered signature") {
  const std::string payload = claims(t0, t0 + 60);
  CHECK(error_of(forge(R"({"alg":"HS256"})", payload, "another-secret-another-secret-another")) ==
        h::jwt_error::bad_signature);
  const std::string token = issue_at(t0);
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const std::string admin_payload =
      R"({"iss":"mercato","aud":"mercato-storefront","sub":"user-1","role":"admin","iat":)" +
      std::to_string(t0) + ",\"exp\":" + std::to_string(t0 + 3600) + "}";
  CHECK(error_of(token.substr(0, dot1 + 1) + b64url(admin_payload) + token.substr(dot2)) ==
        h::jwt_error::bad_signature);
  CHECK(error_of(token.substr(0, dot2 + 1)) == h::jwt_error::bad_signature);
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  CHECK(error_of(flipped) == h::jwt_error::bad_signature);
  // A codec without a secret accepts nothing.
  auto keyless = codec_at(t0, "");
  CHECK_FALSE(keyless.verify(token).has_value());
}

TEST_CASE("wrong issuer or audience") {
  CHECK(error_of(forge(R"({"alg":"HS256"})", claims(t0, t0 + 60, "", "evil"))) == h::jwt_error::wrong_issuer);
  CHECK(error_of(forge(R"({"alg":"HS256"})", claims(t0, t0 + 60, "", "mercato", "other-app"))) ==
        h::jwt_error::wrong_audience);
  // An audience array containing ours is fine (RFC 7519 4.1.3).
  const std::string with_array =
      R"({"iss":"mercato","aud":["x","mercato-storefront"],"sub":"u","role":"customer","iat":)" +
      std::to_string(t0) + ",\"exp\":" + std::to_string(t0 + 60) + "}";
  CHECK(codec_at(t0).verify(forge(R"({"alg":"HS256"})", with_array)).has_value());
}

TEST_CASE("claims: missing, wrong types, unknown role, issued in the future, nbf") {
  const std::string h256 = R"({"alg":"HS256"})";
  CHECK(error_of(forge(
            h256, R"({"iss":"mercato","aud":"mercato-storefront","sub":"u","role":"customer","iat":1})")) ==
        h::jwt_error::missing_claim);
  CHECK(
      error_of(forge(
          h256,
          R"({"iss":"mercato","aud":"mercato-storefront","sub":"u","role":"customer","iat":1,"exp":"9999999999"})")) ==
      h::jwt_error::missing_claim);
  CHECK(
      error_of(forge(
          h256,
          R"({"iss":"mercato","aud":"mercato-storefront","sub":"u","role":"root","iat":1,"exp":9999999999})")) ==
      h::jwt_error::missing_claim);
  CHECK(
      error_of(forge(
          h256,
          R"({"iss":"mercato","aud":"mercato-storefront","sub":"","role":"customer","iat":1,"exp":9999999999})")) ==
      h::jwt_error::missing_claim);
  CHECK(error_of(forge(h256, claims(t0 + 3600, t0 + 7200))) == h::jwt_error::not_yet_valid);
  CHECK(codec_at(t0).verify(forge(h256, claims(t0 + 20, t0 + 7200))).has_value());  // within the 30 s leeway
  CHECK(error_of(forge(h256, claims(t0, t0 + 7200, ",\"nbf\":" + std::to_string(t0 + 600)))) ==
        h::jwt_error::not_yet_valid);
}

TEST_CASE("malformed tokens") {
  for (const std::string& bad : std::vector<std::string>{
           "", "abc", "a.b", "a.b.c.d", "!!!.###.$$$", "e30.e30.", std::string(9000, 'a'),
           b64url("[]") + "." + b64url("{}") + ".sig", b64url("{}") + ".x.sig"}) {
    CAPTURE(bad);
    CHECK(error_of(bad) == h::jwt_error::malformed);
  }
}

TEST_CASE("bearer_token") {
  CHECK(h::bearer_token("Bearer abc.def.ghi") == "abc.def.ghi");
  CHECK(h::bearer_token("bearer   abc ") == "abc");
  CHECK_FALSE(h::bearer_token("Basic dXNlcjpwYXNz").has_value());
  CHECK_FALSE(h::bearer_token("Bearer").has_value());
  CHECK_FALSE(h::bearer_token("Bearer ").has_value());
  CHECK_FALSE(h::bearer_token("Bearer a b").has_value());
  CHECK_FALSE(h::bearer_token("").has_value());
}

TEST_CASE("jwt_settings_from takes issuer, audience and lifetime from the auth section") {
  cfg::auth_section auth;
  auth.jwt_issuer = "iss";
  auth.jwt_audience = "aud";
  auth.jwt_expiration_minutes = 15min;
  const auto s = h::jwt_settings_from(auth, secret);
  CHECK(s.issuer == "iss");
  CHECK(s.audience == "aud");
  CHECK(s.lifetime == 900s);
  CHECK(s.secret == secret);
}

TEST_CASE("secret resolution: prod needs JWT_SECRET of at least 32 bytes") {
  mercato::test::temp_dir dir;
  cfg::auth_section auth;
  auto r = h::resolve_jwt_secret(auth, cfg::run_profile::prod, dir.path());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("JWT_SECRET") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(h::generated_secret_path(dir.path())));

  auth.jwt_secret = "short-secret-31-bytes-long-----";
  REQUIRE(auth.jwt_secret.size() == 31);
  r = h::resolve_jwt_secret(auth, cfg::run_profile::prod, dir.path());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("32") != std::string::npos);
  CHECK(r.error().find(auth.jwt_secret) == std::string::npos);

  auth.jwt_secret += "x";
  r = h::resolve_jwt_secret(auth, cfg::run_profile::prod, dir.path());
  REQUIRE(r.has_value());
  CHECK(r->secret == auth.jwt_secret);
  CHECK(r->warning.empty());
}

TEST_CASE("secret resolution: dev generates a 0600 secret once and keeps it") {
  mercato::test::temp_dir dir;
  const cfg::auth_section auth;
  const auto first = h::resolve_jwt_secret(auth, cfg::run_profile::dev, dir.path());
  REQUIRE(first.has_value());
  CHECK(first->secret.size() >= 32);
  CHECK_FALSE(first->warning.empty());
  const auto path = h::generated_secret_path(dir.path());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  const auto second = h::resolve_jwt_secret(auth, cfg::run_profile::bench, dir.path());
  REQUIRE(second.has_value());
  CHECK(second->secret == first->secret);

  mercato::test::temp_dir other;
  const auto third = h::resolve_jwt_secret(auth, cfg::run_profile::dev, other.path());
  REQUIRE(third.has_value());
  CHECK(third->secret != first->secret);

  // A damaged kept secret is refused, not silently replaced (tokens would all die).
  std::ofstream(path, std::ios::trunc) << "short\n";
  CHECK_FALSE(h::resolve_jwt_secret(auth, cfg::run_profile::dev, dir.path()).has_value());
}

TEST_CASE("secret resolution: a short explicit secret is used outside prod, with a warning") {
  mercato::test::temp_dir dir;
  cfg::auth_section auth;
  auth.jwt_secret = "dev";
  const auto r = h::resolve_jwt_secret(auth, cfg::run_profile::dev, dir.path());
  REQUIRE(r.has_value());
  CHECK(r->secret == "dev");
  CHECK_FALSE(r->warning.empty());
}

TEST_CASE("remembered tokens: still expire, and only the exact bytes are remembered") {
  auto now = std::make_shared<std::int64_t>(t0);
  const h::jwt_codec codec(settings(), [now] { return *now * 1'000'000'000; });
  const std::string token = codec.issue({"user-1", "customer", std::nullopt}).value().access_token;
  for (int i = 0; i < 3; ++i) {
    const auto c = codec.verify(token);
    REQUIRE(c.has_value());
    CHECK(c->user_id == "user-1");
    CHECK_FALSE(c->email.has_value());
  }
  // A one-character change of a remembered token is verified from scratch and refused.
  std::string flipped = token;
  flipped[flipped.size() - 2] = flipped[flipped.size() - 2] == 'A' ? 'B' : 'A';
  CHECK(codec.verify(flipped).error() == h::jwt_error::bad_signature);
  CHECK(codec.verify(token + "x").error() == h::jwt_error::bad_signature);
  // Time checks run on every call, remembered or not.
  *now = t0 + 3600;
  CHECK(codec.verify(token).error() == h::jwt_error::expired);
  *now = t0 - 3600;
  CHECK(codec.verify(token).error() == h::jwt_error::not_yet_valid);
}

TEST_CASE("many distinct valid tokens: all verify (the bounded memory forgets, never lies)") {
  const auto codec = codec_at(t0);
  std::vector<std::string> tokens;
  for (int i = 0; i < 5000; ++i)
    tokens.push_back(
        codec.issue({"user-" + std::to_string(i), "customer", std::nullopt}).value().access_token);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 5000; ++i) {
      const auto c = codec.verify(tokens[static_cast<std::size_t>(i)]);
      REQUIRE(c.has_value());
      REQUIRE(c->user_id == "user-" + std::to_string(i));
    }
  }
}
