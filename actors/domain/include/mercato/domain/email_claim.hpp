#pragma once
// E-mail claims: the reservation of one normalized address on a stream of its own, so two
// registrations racing for the same address (on any node) serialise on that stream and only
// one wins. The runtime claims before registering and releases if registration then fails.
#include <string>
#include <string_view>
#include <variant>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

struct email_claim_state {
  std::string email_normalized;  // empty until the first claim
  user_id holder;                // the holder while claimed; the last holder once released
  bool claimed = false;
  bool operator==(const email_claim_state&) const = default;
};

/// Claims `email` (normalized by the rule) for `user`.
struct claim_email {
  std::string email;
  user_id user;
};

/// Gives up `user`'s claim.
struct release_email {
  user_id user;
};

using email_claim_command = std::variant<claim_email, release_email>;

struct email_claimed {
  static constexpr std::string_view type_name = "EmailClaimed";
  std::string email_normalized;
  user_id user;
  bool operator==(const email_claimed&) const = default;
};

struct email_released {
  static constexpr std::string_view type_name = "EmailReleased";
  std::string email_normalized;
  user_id user;
  bool operator==(const email_released&) const = default;
};

using email_claim_event = std::variant<email_claimed, email_released>;

/// claim: invalid_email for a bad address; invalid_request when the address is not this
/// stream's; email_taken when another user holds it; no events when `user` already holds it.
/// release: forbidden when another user holds it; no events when nothing is claimed.
decision<email_claim_event> decide(const email_claim_state& state, const email_claim_command& command);

email_claim_state apply(email_claim_state state, const email_claim_event& event);

}  // namespace mercato::domain
