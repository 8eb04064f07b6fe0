#pragma once
// User accounts: register, change password, set role; login is a check, not an event.
// E-mail uniqueness is not decided here (a user's stream cannot see other users): the runtime
// first claims the normalized address on its own stream (email_claim.hpp), then registers.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// A validated e-mail address: as given (for display and mail) and normalized (ASCII
/// lower-case; the case-insensitive uniqueness key).
struct email_address {
  std::string as_given;
  std::string normalized;
};

/// Accepts `local@domain.tld` of at most 254 characters: printable ASCII without spaces,
/// exactly one '@', a local part of 1..64 characters, a domain of dot-separated non-empty
/// labels (at least two) of letters, digits and '-'. Otherwise `invalid_email`.
mercato::result<email_address, domain_error> parse_email(std::string_view text);

/// True when `hash` is an Argon2id PHC string ("$argon2id$v=19$..."): the only form a
/// password may be stored in, so a plain password can never reach the log.
bool is_argon2id_hash(std::string_view hash) noexcept;

struct user_state {
  user_id id;         // empty until registered
  std::string email;  // as given
  std::string email_normalized;
  std::string password_hash;  // Argon2id PHC string
  role user_role = role::customer;
  std::string display_name;
  std::int64_t registered_at_ns = 0;  // commit time of UserRegistered (see apply)

  bool exists() const noexcept { return !id.value().empty(); }
  bool operator==(const user_state&) const = default;
};

// ---- commands -------------------------------------------------------------------------

/// Creates the account. The password was checked by check_password_policy and hashed by
/// hash_password before: only the hash travels. Display name: at most 200 characters.
struct register_user {
  user_id id;
  std::string email;
  std::string display_name;
  std::string password_hash;
  role initial_role = role::customer;
};

/// Replaces the password hash (the caller verified the current password).
struct change_password {
  std::string new_password_hash;
};

/// Sets the user's role; only an admin may (the runtime passes the acting user's role).
struct set_role {
  role new_role = role::customer;
  user_id actor;
  role actor_role = role::customer;
};

using user_command = std::variant<register_user, change_password, set_role>;

// ---- events (one per schema event; type_name is the envelope's eventType) -------------

struct user_registered {
  static constexpr std::string_view type_name = "UserRegistered";
  user_id id;
  std::string email;
  std::string email_normalized;
  std::string password_hash;
  role user_role = role::customer;
  std::string display_name;
  bool operator==(const user_registered&) const = default;
};

struct user_password_changed {
  static constexpr std::string_view type_name = "UserPasswordChanged";
  user_id id;
  std::string password_hash;
  bool operator==(const user_password_changed&) const = default;
};

struct user_role_changed {
  static constexpr std::string_view type_name = "UserRoleChanged";
  user_id id;
  role new_role = role::customer;
  role previous_role = role::customer;
  user_id changed_by;
  bool operator==(const user_role_changed&) const = default;
};

using user_event = std::variant<user_registered, user_password_changed, user_role_changed>;

// ---- rules ----------------------------------------------------------------------------

/// Refusals: register on an existing user → invalid_request; bad e-mail → invalid_email;
/// hash not Argon2id → invalid_request; bad role → invalid_role; change/set on a missing
/// user → user_not_found; set_role by a non-admin → forbidden. Setting the current role
/// again succeeds with no events.
decision<user_event> decide(const user_state& state, const user_command& command);

/// Folds one event. Never fails: events are facts that decide already checked.
user_state apply(user_state state, const user_event& event);
/// As apply, and records `committed_at_ns` (the envelope's timestamp) where the state keeps
/// a commit time (registered_at_ns).
user_state apply(user_state state, const user_event& event, std::int64_t committed_at_ns);

/// Login: succeeds when the user exists and `password` matches its hash; otherwise
/// `invalid_credentials` (unknown user and wrong password are deliberately not told apart).
mercato::status<domain_error> authenticate(const user_state& state, std::string_view password);

}  // namespace mercato::domain
