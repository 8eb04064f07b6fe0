#pragma once
// User accounts: register, change password, set role; login is a check, not an event.
// E-mail uniqueness is not decided here (a user's stream cannot see other users): the runtime
// first claims the normalized address on its own stream (email_claim.hpp), then registers.
// State, commands and events: schemas (UserState, RegisterUser..., UserRegistered...).
#include <cstdint>
#include <string>
#include <string_view>

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

/// True once the user has registered.
inline bool exists(const user_state& s) noexcept {
  return !s.user_id.value().empty();
}

/// Refusals: register on an existing user → invalid_request; bad e-mail → invalid_email;
/// hash not Argon2id → invalid_request; bad role → invalid_role; change/set on a missing
/// user → user_not_found; set_role by a non-admin → forbidden. No events: setting the
/// current role again; change_password with an `expected_password_hash` that is no longer
/// the user's hash (a login's re-hash racing a newer change: the answer's state shows which
/// hash holds).
decision<user_event> decide(const user_state& state, const user_command& command);

/// Folds one event. Never fails: events are facts that decide already checked.
/// `committed_at_ns` (the envelope's timestamp) is recorded where the state keeps a commit
/// time (registered_at_ns).
user_state apply(user_state state, const user_event& event, std::int64_t committed_at_ns = 0);

/// Login: succeeds when the user exists and `password` matches its hash; otherwise
/// `invalid_credentials` (unknown user and wrong password are deliberately not told apart).
mercato::status<domain_error> authenticate(const user_state& state, std::string_view password);

}  // namespace mercato::domain
