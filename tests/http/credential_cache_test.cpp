// The cache of recent successful password checks: hits, misses, expiry on an injected
// clock, invalidation when the password changes, bounded size, off switches; and the keyed
// digest it is built on.
#include <doctest/doctest.h>

#include <mercato/http/credential_cache.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "manual_clock.hpp"

namespace h = mercato::http;
using mercato::test::manual_clock;
using namespace std::chrono_literals;

namespace {

const std::string hash_a = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdEE$aGFzaEE";
const std::string hash_b = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdEI$aGFzaEI";

}  // namespace

TEST_CASE("a remembered success is a hit; anything else is a miss") {
  manual_clock clock;
  h::credential_cache cache({300s, 100}, clock.fn());
  REQUIRE(cache.enabled());
  CHECK_FALSE(cache.contains("u-1", hash_a, "Password123!"));  // nothing yet
  cache.remember("u-1", hash_a, "Password123!");
  CHECK(cache.contains("u-1", hash_a, "Password123!"));
  CHECK_FALSE(cache.contains("u-1", hash_a, "Password123?"));  // another password
  CHECK_FALSE(cache.contains("u-1", hash_a, ""));
  CHECK_FALSE(cache.contains("u-2", hash_a, "Password123!"));  // another user
  // A wrong password did not disturb the right one.
  CHECK(cache.contains("u-1", hash_a, "Password123!"));
  const auto s = cache.stats();
  CHECK(s.hits == 2);
  CHECK(s.misses == 4);
  CHECK(s.entries == 1);
}

TEST_CASE("an entry expires after the ttl, on the injected clock") {
  manual_clock clock;
  h::credential_cache cache({300s, 100}, clock.fn());
  cache.remember("u-1", hash_a, "Password123!");
  clock.advance(299s);
  CHECK(cache.contains("u-1", hash_a, "Password123!"));
  clock.advance(1s);
  CHECK_FALSE(cache.contains("u-1", hash_a, "Password123!"));
  CHECK(cache.stats().entries == 0);  // dropped, not kept around
  // Remembering again starts a fresh ttl.
  cache.remember("u-1", hash_a, "Password123!");
  clock.advance(200s);
  cache.remember("u-1", hash_a, "Password123!");
  clock.advance(200s);
  CHECK(cache.contains("u-1", hash_a, "Password123!"));
}

TEST_CASE("a changed password drops the entry: by its stored hash, and explicitly") {
  manual_clock clock;
  h::credential_cache cache({300s, 100}, clock.fn());
  cache.remember("u-1", hash_a, "Old-password1");
  // The stored hash is another now: the old password no longer counts, and the entry is gone.
  CHECK_FALSE(cache.contains("u-1", hash_b, "Old-password1"));
  CHECK(cache.stats().entries == 0);
  CHECK_FALSE(cache.contains("u-1", hash_a, "Old-password1"));
  cache.remember("u-1", hash_b, "New-password1");
  CHECK(cache.contains("u-1", hash_b, "New-password1"));
  cache.forget("u-1");
  CHECK_FALSE(cache.contains("u-1", hash_b, "New-password1"));
  cache.forget("u-nobody");  // harmless
}

TEST_CASE("one entry per user: the latest success replaces the one before") {
  manual_clock clock;
  h::credential_cache cache({300s, 100}, clock.fn());
  cache.remember("u-1", hash_a, "Old-password1");
  cache.remember("u-1", hash_b, "New-password1");
  CHECK(cache.stats().entries == 1);
  CHECK(cache.contains("u-1", hash_b, "New-password1"));
  CHECK_FALSE(cache.contains("u-1", hash_a, "Old-password1"));
}

TEST_CASE("the size is bounded: the entry that expires first goes first") {
  manual_clock clock;
  h::credential_cache cache({300s, 3}, clock.fn());
  for (int i = 1; i <= 3; ++i) {
    cache.remember("u-" + std::to_string(i), hash_a, "Password123!");
    clock.advance(1s);
  }
  cache.remember("u-4", hash_a, "Password123!");
  auto s = cache.stats();
  CHECK(s.entries == 3);
  CHECK(s.evictions == 1);
  CHECK_FALSE(cache.contains("u-1", hash_a, "Password123!"));
  for (int i = 2; i <= 4; ++i) CHECK(cache.contains("u-" + std::to_string(i), hash_a, "Password123!"));
  // Expired entries make room before anything live is evicted.
  clock.advance(298s);  // u-2 (remembered at +1 s) has expired, u-3 and u-4 have not
  cache.remember("u-5", hash_a, "Password123!");
  s = cache.stats();
  CHECK(s.evictions == 1);
  CHECK(s.entries == 3);
  CHECK(cache.contains("u-3", hash_a, "Password123!"));
}

TEST_CASE("off: ttl 0 or max_entries 0 keep nothing") {
  for (auto options : {h::credential_cache_options{0s, 100}, h::credential_cache_options{300s, 0}}) {
    h::credential_cache cache(options);
    CHECK_FALSE(cache.enabled());
    cache.remember("u-1", hash_a, "Password123!");
    CHECK_FALSE(cache.contains("u-1", hash_a, "Password123!"));
    CHECK(cache.stats().entries == 0);
  }
}

TEST_CASE("keyed digests: stable within one key, unrelated across keys, parts length-prefixed") {
  h::keyed_digest one;
  h::keyed_digest other;
  CHECK(one({"u-1", hash_a, "pw"}) == one({"u-1", hash_a, "pw"}));
  CHECK(one({"u-1", hash_a, "pw"}) != other({"u-1", hash_a, "pw"}));  // a fresh random key each
  CHECK(one({"ab", "c"}) != one({"a", "bc"}));
  CHECK(one({"abc"}) != one({"abc", ""}));
}
