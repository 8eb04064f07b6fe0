// The password keys (auth.argon2.*, auth.verify.*, auth.cache.*) and the cart line limit
// (actors.max_line_quantity).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <mercato/config/config.hpp>

#include "load_helpers.hpp"

namespace cfg = mercato::config;
using namespace std::chrono_literals;
using mercato::test::contains;
using mercato::test::load_error;
using mercato::test::load_ok;

TEST_CASE("defaults: OWASP's Argon2id minimum, one verifier per core, a five-minute login cache") {
  const auto c = load_ok({});
  CHECK(c.auth.argon2.memory_kib == 19456);
  CHECK(c.auth.argon2.passes == 2);
  CHECK(c.auth.argon2.lanes == 1);
  CHECK(c.auth.verify.threads == 0);
  CHECK(c.auth.verify.queue_length == 0);
  CHECK(c.auth.cache.ttl_seconds == 300s);
  CHECK(c.auth.cache.max_entries == 10000);
  CHECK(c.actors.max_line_quantity == 99);
}

TEST_CASE("the password keys come from the environment and flags") {
  const auto c = load_ok({.env = {{"MERCATO_AUTH_ARGON2_MEMORY_KIB", "65536"},
                                  {"MERCATO_AUTH_ARGON2_PASSES", "3"},
                                  {"MERCATO_AUTH_VERIFY_THREADS", "4"},
                                  {"MERCATO_AUTH_CACHE_TTL_SECONDS", "0"}},
                          .overrides = {{"auth.verify.queue_length", "1"}, {"auth.cache.max_entries", "5"}}});
  CHECK(c.auth.argon2.memory_kib == 65536);
  CHECK(c.auth.argon2.passes == 3);
  CHECK(c.auth.verify.threads == 4);
  CHECK(c.auth.verify.queue_length == 1);
  CHECK(c.auth.cache.ttl_seconds == 0s);
  CHECK(c.auth.cache.max_entries == 5);
}

TEST_CASE("Argon2id parameters outside what libsodium computes are refused naming the key") {
  auto e = load_error({.env = {{"MERCATO_AUTH_ARGON2_LANES", "4"}}});
  CHECK(e.key == "MERCATO_AUTH_ARGON2_LANES");
  CHECK(contains(e.message, "only 1"));
  e = load_error({.overrides = {{"auth.argon2.memory_kib", "7"}}});
  CHECK(e.key == "auth.argon2.memory_kib");
  e = load_error({.overrides = {{"auth.argon2.passes", "0"}}});
  CHECK(e.key == "auth.argon2.passes");
  e = load_error({.overrides = {{"auth.verify.threads", "65"}}});
  CHECK(e.key == "auth.verify.threads");
  e = load_error({.overrides = {{"auth.cache.ttl_seconds", "-1"}}});
  CHECK(e.key == "auth.cache.ttl_seconds");
}

TEST_CASE("max_line_quantity: 0 (no limit) and values large enough for long load tests") {
  CHECK(load_ok({.overrides = {{"actors.max_line_quantity", "0"}}}).actors.max_line_quantity == 0);
  CHECK(load_ok({.env = {{"MERCATO_ACTORS_MAX_LINE_QUANTITY", "1000000"}}}).actors.max_line_quantity ==
        1000000);
  CHECK(load_ok({.overrides = {{"actors.max_line_quantity", "50000"}}}).actors.max_line_quantity == 50000);
  auto e = load_error({.overrides = {{"actors.max_line_quantity", "1000001"}}});
  CHECK(e.key == "actors.max_line_quantity");
  CHECK(contains(e.message, "from 0 to 1000000"));
}
