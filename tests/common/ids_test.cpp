// mercato::ids: random ids are 32 hex characters and differ; derived ids are the BLAKE2b
// outputs the engine has always stored (pinned: changing them would orphan existing users
// and checkouts made from an Idempotency-Key).
#include <set>
#include <string>

#include <doctest/doctest.h>

#include <mercato/common/ids.hpp>

using namespace mercato;

namespace {

bool is_hex32(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

TEST_CASE("random ids are 128 bits of lower-case hex, never repeated") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = ids::random_id();
    CHECK(is_hex32(id));
    CHECK(seen.insert(id).second);
  }
}

TEST_CASE("derived ids keep the values the engine stored before the ids module") {
  // Printed by the engine's former derived_id(a, b): BLAKE2b-128 of a, NUL, b (libsodium
  // crypto_generichash, no key); Python's hashlib.blake2b(digest_size=16) agrees.
  CHECK(ids::derived_id("register", "key-1") == "6829afa0d0773f31024b82615dd4c11e");
  CHECK(ids::derived_id("user-42", "checkout-key") == "152e36ae57cc94121193f62063e4cbd7");
  CHECK(ids::derived_id("", "") == "7025e075d5e2f6cde3cc051a31f07660");
  const std::string user = "user-42";
  const std::string key = "checkout-key";
  CHECK(ids::derived_id(user, key) == "152e36ae57cc94121193f62063e4cbd7");  // std::string parts
}

TEST_CASE("derived ids are stable, and the separator keeps part boundaries apart") {
  // Three parts are joined the same way (product ids: "product", admin, key).
  CHECK(ids::derived_id("product", "admin", "k") == "cd667eb179cfd3141941e461628d6f85");
  CHECK(ids::derived_id("ab", "c") != ids::derived_id("a", "bc"));
  CHECK(ids::derived_id("a", "b", "c") != ids::derived_id("a", "b"));
  CHECK(ids::derived_id("product", "admin", "k1") != ids::derived_id("product", "admin", "k2"));
  CHECK(ids::derived_id("product", "admin-a", "k") != ids::derived_id("product", "admin-b", "k"));
}
