// Users and e-mail claims ↔ schema.
#include "codec_detail.hpp"

namespace mercato::domain::codec_detail {

void put_event(const user_registered& e, schema::Event::Builder out) {
  auto b = out.initUserRegistered();
  b.setUserId(text(e.id.value()));
  b.setEmail(text(e.email));
  b.setEmailNormalized(text(e.email_normalized));
  b.setPasswordHash(text(e.password_hash));
  b.setRole(to_wire(e.user_role));
  b.setDisplayName(text(e.display_name));
}

user_registered from(schema::UserRegistered::Reader in) {
  return {id_of<user_id>(in.getUserId()), str(in.getEmail()),      str(in.getEmailNormalized()),
          str(in.getPasswordHash()),      from_wire(in.getRole()), str(in.getDisplayName())};
}

void put_event(const user_password_changed& e, schema::Event::Builder out) {
  auto b = out.initUserPasswordChanged();
  b.setUserId(text(e.id.value()));
  b.setPasswordHash(text(e.password_hash));
}

user_password_changed from(schema::UserPasswordChanged::Reader in) {
  return {id_of<user_id>(in.getUserId()), str(in.getPasswordHash())};
}

void put_event(const user_role_changed& e, schema::Event::Builder out) {
  auto b = out.initUserRoleChanged();
  b.setUserId(text(e.id.value()));
  b.setRole(to_wire(e.new_role));
  b.setPreviousRole(to_wire(e.previous_role));
  b.setChangedBy(text(e.changed_by.value()));
}

user_role_changed from(schema::UserRoleChanged::Reader in) {
  return {id_of<user_id>(in.getUserId()), from_wire(in.getRole()), from_wire(in.getPreviousRole()),
          id_of<user_id>(in.getChangedBy())};
}

void put_event(const email_claimed& e, schema::Event::Builder out) {
  auto b = out.initEmailClaimed();
  b.setEmailNormalized(text(e.email_normalized));
  b.setUserId(text(e.user.value()));
}

email_claimed from(schema::EmailClaimed::Reader in) {
  return {str(in.getEmailNormalized()), id_of<user_id>(in.getUserId())};
}

void put_event(const email_released& e, schema::Event::Builder out) {
  auto b = out.initEmailReleased();
  b.setEmailNormalized(text(e.email_normalized));
  b.setUserId(text(e.user.value()));
}

email_released from(schema::EmailReleased::Reader in) {
  return {str(in.getEmailNormalized()), id_of<user_id>(in.getUserId())};
}

void put_state(const user_state& s, schema::UserState::Builder out) {
  out.setUserId(text(s.id.value()));
  out.setEmail(text(s.email));
  out.setEmailNormalized(text(s.email_normalized));
  out.setPasswordHash(text(s.password_hash));
  out.setRole(to_wire(s.user_role));
  out.setDisplayName(text(s.display_name));
  out.setRegisteredAtNs(s.registered_at_ns);
}

user_state from(schema::UserState::Reader in) {
  return {id_of<user_id>(in.getUserId()), str(in.getEmail()),      str(in.getEmailNormalized()),
          str(in.getPasswordHash()),      from_wire(in.getRole()), str(in.getDisplayName()),
          in.getRegisteredAtNs()};
}

void put_state(const email_claim_state& s, schema::EmailClaimState::Builder out) {
  out.setEmailNormalized(text(s.email_normalized));
  out.setUserId(text(s.holder.value()));
  out.setClaimed(s.claimed);
}

email_claim_state from(schema::EmailClaimState::Reader in) {
  return {str(in.getEmailNormalized()), id_of<user_id>(in.getUserId()), in.getClaimed()};
}

}  // namespace mercato::domain::codec_detail
