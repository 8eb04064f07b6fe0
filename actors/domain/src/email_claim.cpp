// E-mail claim rules: one holder per normalized address.
#include <mercato/domain/email_claim.hpp>
#include <mercato/domain/user.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using detail::events;

decision<email_claim_event> do_claim(const email_claim_state& s, const claim_email& c) {
  auto email = parse_email(c.email);
  if (!email) return mercato::fail(email.error());
  if (c.user_id.value().empty()) return refuse(domain_errc::invalid_request, "userId is required");
  if (!s.email_normalized.empty() && s.email_normalized != email->normalized)
    return refuse(domain_errc::invalid_request,
                  "claim of " + email->normalized + " sent to the claim of " + s.email_normalized);
  if (s.claimed && s.user_id == c.user_id) return std::vector<email_claim_event>{};
  if (s.claimed) return refuse(domain_errc::email_taken, email->normalized + " is already registered");
  return events<email_claim_event>(email_claimed{email->normalized, c.user_id});
}

decision<email_claim_event> do_release(const email_claim_state& s, const release_email& c) {
  if (!s.claimed) return std::vector<email_claim_event>{};
  if (s.user_id != c.user_id)
    return refuse(domain_errc::forbidden,
                  s.email_normalized + " is held by another user; only its holder may release it");
  return events<email_claim_event>(email_released{s.email_normalized, c.user_id});
}

}  // namespace

decision<email_claim_event> decide(const email_claim_state& state, const email_claim_command& command) {
  return std::visit(detail::overloaded{
                        [&](const claim_email& c) { return do_claim(state, c); },
                        [&](const release_email& c) { return do_release(state, c); },
                    },
                    command);
}

email_claim_state apply(email_claim_state s, const email_claim_event& event, std::int64_t committed_at_ns) {
  (void)committed_at_ns;
  std::visit(detail::overloaded{
                 [&](const email_claimed& e) {
                   s.email_normalized = e.email_normalized;
                   s.user_id = e.user_id;
                   s.claimed = true;
                 },
                 [&](const email_released& e) {
                   s.email_normalized = e.email_normalized;
                   s.user_id = e.user_id;
                   s.claimed = false;
                 },
             },
             event);
  return s;
}

}  // namespace mercato::domain
