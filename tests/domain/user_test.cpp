// Users, e-mail claims and passwords.
#include <mercato/domain/email_claim.hpp>
#include <mercato/domain/password.hpp>
#include <mercato/domain/user.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;

namespace {

const pwhash_limits fast{1, 8192};  // libsodium's minimum: keeps the tests quick

register_user registration(std::string email = "Ann@Example.COM") {
  return register_user{user_id{"u-1"}, std::move(email), "Ann", fake_hash, role::customer};
}

user_state registered() {
  user_state s;
  run(s, registration());
  return s;
}

}  // namespace

TEST_CASE("e-mail addresses are validated and normalized to lower case") {
  auto e = parse_email("Ann.Lee+shop@Mail.Example.COM");
  REQUIRE(e.has_value());
  CHECK(e->as_given == "Ann.Lee+shop@Mail.Example.COM");
  CHECK(e->normalized == "ann.lee+shop@mail.example.com");
  for (const char* bad :
       {"", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "a@b@example.com",
        "ann lee@example.com", ".ann@example.com", "ann.@example.com", "an..n@example.com",
        "ann@-example.com", "ann@example..com", "ann@exa_mple.com", "ann@example.com "}) {
    CAPTURE(bad);
    CHECK(parse_email(bad).error().code == domain_errc::invalid_email);
  }
  CHECK(parse_email(std::string(65, 'a') + "@example.com").error().code == domain_errc::invalid_email);
  CHECK(parse_email(std::string(250, 'a') + "@example.com").error().code == domain_errc::invalid_email);
}

TEST_CASE("register records the address as given and normalized, and the hash") {
  user_state s;
  const auto e = only<user_registered>(run(s, registration()));
  CHECK(e.user_id == user_id{"u-1"});
  CHECK(e.email == "Ann@Example.COM");
  CHECK(e.email_normalized == "ann@example.com");
  CHECK(e.password_hash == fake_hash);
  CHECK(e.role == role::customer);
  CHECK(exists(s));
  CHECK(s.email_normalized == "ann@example.com");
  CHECK(s.display_name == "Ann");
}

TEST_CASE("register refusals") {
  CHECK(refused(registered(), registration()) == domain_errc::invalid_request);
  CHECK(refused(user_state{}, registration("not-an-email")) == domain_errc::invalid_email);
  auto plain = registration();
  plain.password_hash = "Password123!";
  CHECK(refused(user_state{}, plain) == domain_errc::invalid_request);
  auto no_id = registration();
  no_id.user_id = user_id{};
  CHECK(refused(user_state{}, no_id) == domain_errc::invalid_request);
  auto bad_role = registration();
  bad_role.role = static_cast<role>(9);
  CHECK(refused(user_state{}, bad_role) == domain_errc::invalid_role);
  auto long_name = registration();
  long_name.display_name = std::string(201, 'x');
  CHECK(refused(user_state{}, long_name) == domain_errc::invalid_request);
}

TEST_CASE("registered_at comes from the commit time") {
  user_state s;
  auto events = *decide(s, registration());
  s = apply(s, events.front(), 1234);
  CHECK(s.registered_at_ns == 1234);
  s = apply(s, user_event{user_password_changed{s.user_id, fake_hash}}, 9999);
  CHECK(s.registered_at_ns == 1234);
}

TEST_CASE("change password") {
  auto s = registered();
  const std::string other = fake_hash + "x";
  CHECK(only<user_password_changed>(run(s, change_password{other, {}})).password_hash == other);
  CHECK(s.password_hash == other);
  CHECK(refused(s, change_password{"secret123", {}}) == domain_errc::invalid_request);
  CHECK(refused(user_state{}, change_password{fake_hash, {}}) == domain_errc::user_not_found);
}

TEST_CASE("a re-hash replaces only the hash it was computed from") {
  auto s = registered();
  const std::string rehashed = fake_hash + "r";
  // The hash is still the one the login verified: replaced.
  CHECK(only<user_password_changed>(run(s, change_password{rehashed, fake_hash})).password_hash == rehashed);
  CHECK(s.password_hash == rehashed);
  // A second re-hash of the old hash (a concurrent login) finds it gone: nothing to do.
  CHECK(run(s, change_password{fake_hash + "late", fake_hash}).empty());
  CHECK(s.password_hash == rehashed);
  CHECK(refused(user_state{}, change_password{rehashed, fake_hash}) == domain_errc::user_not_found);
}

TEST_CASE("only an admin sets roles") {
  auto s = registered();
  CHECK(refused(s, set_role{role::admin, user_id{"u-1"}, role::customer}) == domain_errc::forbidden);
  const auto e = only<user_role_changed>(run(s, set_role{role::admin, user_id{"root"}, role::admin}));
  CHECK(e.role == role::admin);
  CHECK(e.previous_role == role::customer);
  CHECK(e.changed_by == user_id{"root"});
  CHECK(s.role == role::admin);
  CHECK(run(s, set_role{role::admin, user_id{"root"}, role::admin}).empty());
  CHECK(refused(s, set_role{static_cast<role>(5), user_id{"root"}, role::admin}) ==
        domain_errc::invalid_role);
  CHECK(refused(user_state{}, set_role{role::admin, user_id{"root"}, role::admin}) ==
        domain_errc::user_not_found);
}

TEST_CASE("password policy: 8+ characters with a letter and a digit") {
  CHECK(check_password_policy("Password123!").has_value());
  CHECK(check_password_policy("abcdefg1").has_value());
  CHECK(check_password_policy("pässwört1").has_value());
  CHECK(check_password_policy("abc1234").error().code == domain_errc::weak_password);
  CHECK(check_password_policy("ä1ä1ä1ä").error().code == domain_errc::weak_password);  // 7 chars
  CHECK(check_password_policy("abcdefgh").error().code == domain_errc::weak_password);
  CHECK(check_password_policy("12345678").error().code == domain_errc::weak_password);
  CHECK(check_password_policy("").error().code == domain_errc::weak_password);
  CHECK(check_password_policy(std::string(1020, 'a') + "12345").error().code == domain_errc::weak_password);
}

TEST_CASE("Argon2id hash and verify") {
  const auto hash = hash_password("Password123!", fast);
  CHECK(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
  CHECK(is_argon2id_hash(hash));
  CHECK(verify_password(hash, "Password123!"));
  CHECK_FALSE(verify_password(hash, "password123!"));
  CHECK_FALSE(verify_password(hash, ""));
  CHECK_FALSE(verify_password("Password123!", "Password123!"));
  CHECK_FALSE(verify_password("", ""));
  CHECK(hash_password("Password123!", fast) != hash);  // a fresh salt each time
  CHECK_FALSE(needs_rehash(hash, fast));
  CHECK(needs_rehash(hash, pwhash_limits{2, 16384}));
  CHECK_THROWS(hash_password("x", pwhash_limits{0, 1}));
  CHECK_THROWS(hash_password("x", pwhash_limits{1, 8192, 2}));  // libsodium: one lane only
}

TEST_CASE("the default cost is OWASP's Argon2id minimum: 19 MiB, 2 passes, 1 lane") {
  const pwhash_limits defaults;
  CHECK(params_for(defaults) == argon2_params{19, 19456, 2, 1});
  CHECK(params_for(fast) == argon2_params{19, 8, 1, 1});
  CHECK(params_for(pwhash_limits{3, 65536U * 1024U, 1}) == argon2_params{19, 65536, 3, 1});
}

TEST_CASE("params_of reads the cost a PHC string carries") {
  const auto hash = hash_password("Password123!", fast);
  CHECK(params_of(hash) == argon2_params{19, 8, 1, 1});
  CHECK(params_of(hash_password("Password123!", pwhash_limits{2, 16384})) == argon2_params{19, 16, 2, 1});
  CHECK(params_of("$argon2id$v=19$m=19456,t=2,p=4$c2FsdA$aGFzaA") == argon2_params{19, 19456, 2, 4});
  for (const char* bad :
       {"", "Password123!", "$argon2i$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=8,t=1$c2FsdA$aGFzaA",
        "$argon2id$v=19$m=,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=8,t=1,p=1", "$argon2id$m=8,t=1,p=1$x$y",
        "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=-8,t=1,p=1$c2FsdA$aGFzaA"}) {
    CAPTURE(bad);
    CHECK_FALSE(params_of(bad).has_value());
  }
}

TEST_CASE("needs_rehash: any other memory, passes, lanes or version, or no Argon2id string") {
  const pwhash_limits current{2, 16384};
  const auto hash = hash_password("Password123!", current);
  CHECK_FALSE(needs_rehash(hash, current));
  CHECK(needs_rehash(hash, pwhash_limits{2, 32768}));  // memory
  CHECK(needs_rehash(hash, pwhash_limits{3, 16384}));  // passes
  // Lanes: libsodium's own check ignores them; a hash made elsewhere with p=4 is re-hashed.
  CHECK(needs_rehash("$argon2id$v=19$m=16,t=2,p=4$c2FsdA$aGFzaA", current));
  CHECK(needs_rehash("$argon2id$v=16$m=16,t=2,p=1$c2FsdA$aGFzaA", current));  // Argon2 1.0
  CHECK(needs_rehash("", current));
  CHECK(needs_rehash("not a hash", current));
  // The former default (libsodium's INTERACTIVE: 64 MiB, 2 passes) is outdated now.
  CHECK(needs_rehash("$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", pwhash_limits{}));
  CHECK_FALSE(needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", pwhash_limits{}));
}

TEST_CASE("login checks the password against the stored hash") {
  user_state s;
  auto reg = registration();
  reg.password_hash = hash_password("Password123!", fast);
  run(s, reg);
  CHECK(authenticate(s, "Password123!").has_value());
  auto wrong = authenticate(s, "Password124!");
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code == domain_errc::invalid_credentials);
  CHECK(authenticate(user_state{}, "Password123!").error().code == domain_errc::invalid_credentials);
}

TEST_CASE("an e-mail is claimed by one user at a time, case-insensitively") {
  email_claim_state s;
  const auto e = only<email_claimed>(run(s, claim_email{"Ann@Example.com", user_id{"u-1"}}));
  CHECK(e.email_normalized == "ann@example.com");
  CHECK(s.claimed);
  CHECK(s.user_id == user_id{"u-1"});
  CHECK(run(s, claim_email{"ann@example.com", user_id{"u-1"}}).empty());  // idempotent
  CHECK(refused(s, claim_email{"ANN@EXAMPLE.COM", user_id{"u-2"}}) == domain_errc::email_taken);
  CHECK(refused(s, claim_email{"bob@example.com", user_id{"u-2"}}) == domain_errc::invalid_request);
  CHECK(refused(s, claim_email{"bob", user_id{"u-2"}}) == domain_errc::invalid_email);
  CHECK(refused(email_claim_state{}, claim_email{"a@b.co", user_id{}}) == domain_errc::invalid_request);
}

TEST_CASE("releasing a claim frees the address; only the holder may") {
  email_claim_state s;
  run(s, claim_email{"ann@example.com", user_id{"u-1"}});
  CHECK(refused(s, release_email{user_id{"u-2"}}) == domain_errc::forbidden);
  const auto e = only<email_released>(run(s, release_email{user_id{"u-1"}}));
  CHECK(e.user_id == user_id{"u-1"});
  CHECK_FALSE(s.claimed);
  CHECK(run(s, release_email{user_id{"u-1"}}).empty());
  run(s, claim_email{"ann@example.com", user_id{"u-2"}});
  CHECK(s.user_id == user_id{"u-2"});
}
