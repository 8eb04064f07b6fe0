// User rules: register, change password, set role; e-mail syntax; login check.
#include <algorithm>

#include <mercato/domain/password.hpp>
#include <mercato/domain/user.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using detail::events;

constexpr std::size_t max_email = 254;
constexpr std::size_t max_local = 64;
constexpr std::size_t max_display_name = 200;

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool valid_local_char(char c) noexcept {
  return is_alnum(c) || std::string_view{".!#$%&'*+/=?^_`{|}~-"}.find(c) != std::string_view::npos;
}

bool valid_label(std::string_view label) noexcept {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool valid_domain(std::string_view domain) noexcept {
  std::size_t labels = 0;
  while (true) {
    const auto dot = domain.find('.');
    if (!valid_label(domain.substr(0, dot))) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

bool valid_local(std::string_view local) noexcept {
  if (local.empty() || local.size() > max_local || local.front() == '.' || local.back() == '.') return false;
  if (local.find("..") != std::string_view::npos) return false;
  return std::all_of(local.begin(), local.end(), valid_local_char);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

decision<user_event> do_register(const user_state& s, const register_user& c) {
  if (exists(s))
    return refuse(domain_errc::invalid_request, "user " + s.user_id.value() + " is already registered");
  if (c.user_id.value().empty()) return refuse(domain_errc::invalid_request, "userId is required");
  auto email = parse_email(c.email);
  if (!email) return mercato::fail(email.error());
  if (!is_argon2id_hash(c.password_hash))
    return refuse(domain_errc::invalid_request, "passwordHash must be an Argon2id PHC string");
  if (!is_valid(c.role)) return refuse(domain_errc::invalid_role, "unknown role");
  if (c.display_name.size() > max_display_name)
    return refuse(domain_errc::invalid_request, "displayName is longer than 200 characters");
  return events<user_event>(user_registered{c.user_id, email->as_given, email->normalized, c.password_hash,
                                            c.role, c.display_name});
}

decision<user_event> do_change_password(const user_state& s, const change_password& c) {
  if (!exists(s)) return refuse(domain_errc::user_not_found, "no such user");
  if (!is_argon2id_hash(c.new_password_hash))
    return refuse(domain_errc::invalid_request, "passwordHash must be an Argon2id PHC string");
  // A re-hash of a hash that was replaced meanwhile has nothing left to replace.
  if (!c.expected_password_hash.empty() && c.expected_password_hash != s.password_hash)
    return std::vector<user_event>{};
  return events<user_event>(user_password_changed{s.user_id, c.new_password_hash});
}

decision<user_event> do_set_role(const user_state& s, const set_role& c) {
  if (!exists(s)) return refuse(domain_errc::user_not_found, "no such user");
  if (c.actor_role != role::admin)
    return refuse(domain_errc::forbidden, "only an admin may change a user's role");
  if (!is_valid(c.new_role)) return refuse(domain_errc::invalid_role, "unknown role");
  if (c.new_role == s.role) return std::vector<user_event>{};
  return events<user_event>(user_role_changed{s.user_id, c.new_role, s.role, c.actor});
}

}  // namespace

mercato::result<email_address, domain_error> parse_email(std::string_view text) {
  const auto at = text.find('@');
  const bool ok = text.size() <= max_email && at != std::string_view::npos &&
                  text.find('@', at + 1) == std::string_view::npos && valid_local(text.substr(0, at)) &&
                  valid_domain(text.substr(at + 1));
  if (!ok)
    return refuse(domain_errc::invalid_email,
                  detail::quoted(text) + " is not an e-mail address like name@example.com");
  return email_address{std::string(text), lower(text)};
}

bool is_argon2id_hash(std::string_view hash) noexcept {
  return hash.starts_with("$argon2id$v=") && hash.size() < 512;
}

decision<user_event> decide(const user_state& state, const user_command& command) {
  return std::visit(detail::overloaded{
                        [&](const register_user& c) { return do_register(state, c); },
                        [&](const change_password& c) { return do_change_password(state, c); },
                        [&](const set_role& c) { return do_set_role(state, c); },
                    },
                    command);
}

user_state apply(user_state s, const user_event& event, std::int64_t committed_at_ns) {
  std::visit(detail::overloaded{
                 [&](const user_registered& e) {
                   s.user_id = e.user_id;
                   s.email = e.email;
                   s.email_normalized = e.email_normalized;
                   s.password_hash = e.password_hash;
                   s.role = e.role;
                   s.registered_at_ns = committed_at_ns;
                   s.display_name = e.display_name;
                 },
                 [&](const user_password_changed& e) { s.password_hash = e.password_hash; },
                 [&](const user_role_changed& e) { s.role = e.role; },
             },
             event);
  return s;
}

mercato::status<domain_error> authenticate(const user_state& state, std::string_view password) {
  if (exists(state) && verify_password(state.password_hash, password)) return mercato::ok;
  return refuse(domain_errc::invalid_credentials, "unknown e-mail or wrong password");
}

}  // namespace mercato::domain
