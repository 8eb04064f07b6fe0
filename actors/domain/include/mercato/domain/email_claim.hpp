#pragma once
// E-mail claims: the reservation of one normalized address on a stream of its own, so two
// registrations racing for the same address (on any node) serialise on that stream and only
// one wins. The runtime claims before registering and releases if registration then fails.
// State, commands and events: schemas (EmailClaimState, ClaimEmail, EmailClaimed...).
#include <cstdint>

#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// claim: invalid_email for a bad address; invalid_request when the address is not this
/// stream's; email_taken when another user holds it; no events when `user` already holds it.
/// release: forbidden when another user holds it; no events when nothing is claimed.
decision<email_claim_event> decide(const email_claim_state& state, const email_claim_command& command);

email_claim_state apply(email_claim_state state, const email_claim_event& event,
                        std::int64_t committed_at_ns = 0);

}  // namespace mercato::domain
