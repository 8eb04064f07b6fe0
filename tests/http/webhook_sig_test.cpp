#include <doctest/doctest.h>

#include <mercato/http/webhook_sig.hpp>

#include <cctype>
#include <string>

namespace h = mercato::http;
using namespace std::chrono_literals;

namespace {

const std::string secret = "whsec_test_secret";
const std::string body = R"({"type":"payment.captured","paymentId":"pay-1"})";
constexpr std::int64_t now_s = 1'800'000'000;

h::webhook_verifier verifier_at(std::int64_t seconds, std::string key = secret) {
  return h::webhook_verifier(std::move(key), 5min, [seconds] { return seconds * 1'000'000'000; });
}

h::signature_error error_of(std::string_view header, std::string_view payload = body,
                            std::int64_t at = now_s) {
  const auto r = verifier_at(at).verify(header, payload);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("the MAC is HMAC-SHA256 over \"<t>.<body>\" (vector from openssl)") {
  // printf '0.The quick brown fox jumps over the lazy dog' | openssl dgst -sha256 -hmac key
  CHECK(h::webhook_hmac_hex("key", 0, "The quick brown fox jumps over the lazy dog") ==
        "8511f28f7a1949f0c42772b447d68b2daf760f5f0439a20a17e3b4e7cd395763");
  CHECK(h::sign_webhook("key", 12, "x") == "t=12,v1=" + h::webhook_hmac_hex("key", 12, "x"));
}

TEST_CASE("a fresh, correctly signed webhook is accepted") {
  const std::string header = h::sign_webhook(secret, now_s, body);
  CHECK(verifier_at(now_s).verify(header, body).has_value());
  CHECK(verifier_at(now_s + 299).verify(header, body).has_value());
  CHECK(verifier_at(now_s - 299).verify(header, body).has_value());  // sender's clock slightly ahead
  // Spaces, upper-case hex, other schemes and a second (rotated) v1 are fine.
  std::string hex = h::webhook_hmac_hex(secret, now_s, body);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(
      verifier_at(now_s)
          .verify("t=" + std::to_string(now_s) + ", v0=abc, v1=" + std::string(64, '0') + ", v1=" + hex, body)
          .has_value());
}

TEST_CASE("replays older than 5 minutes and timestamps far in the future are refused") {
  const std::string header = h::sign_webhook(secret, now_s, body);
  CHECK(error_of(header, body, now_s + 301) == h::signature_error::stale_timestamp);
  CHECK(error_of(header, body, now_s - 301) == h::signature_error::stale_timestamp);
}

TEST_CASE("a changed body, timestamp or secret breaks the signature") {
  const std::string header = h::sign_webhook(secret, now_s, body);
  CHECK(error_of(header, body + " ") == h::signature_error::bad_signature);
  CHECK(error_of("t=" + std::to_string(now_s + 1) + ",v1=" + h::webhook_hmac_hex(secret, now_s, body)) ==
        h::signature_error::bad_signature);
  CHECK(error_of(h::sign_webhook("other", now_s, body)) == h::signature_error::bad_signature);
}

TEST_CASE("malformed or missing headers") {
  CHECK(error_of("") == h::signature_error::missing_header);
  CHECK(error_of("   ") == h::signature_error::missing_header);
  const std::string mac = h::webhook_hmac_hex(secret, now_s, body);
  for (const std::string& bad :
       {std::string("garbage"), "v1=" + mac, "t=" + std::to_string(now_s), "t=abc,v1=" + mac,
        "t=-5,v1=" + mac, "t=" + std::to_string(now_s) + ",v1=xyz",
        "t=" + std::to_string(now_s) + ",v1=" + mac.substr(1), "t=1,t=2,v1=" + mac,
        "t=99999999999999999999,v1=" + mac}) {
    CAPTURE(bad);
    CHECK(error_of(bad) == h::signature_error::malformed_header);
  }
}

TEST_CASE("no secret configured: every webhook is refused") {
  const auto r = verifier_at(now_s, "").verify(h::sign_webhook("", now_s, body), body);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == h::signature_error::no_secret);
}
