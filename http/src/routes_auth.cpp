// Auth: POST /api/v1/auth/register, POST /api/v1/auth/login →
//   {"data":{"accessToken","tokenType":"Bearer","expiresIn", "user":{...}}}
// Login reads the e-mail claim and the user through the engine (asynchronously), then
// checks the password: a recent success from the credential cache at once, otherwise
// Argon2id on the bounded verification pool (password_checks.hpp), never on an HTTP or
// actor thread. No room in the pool: 503 + Retry-After at once. A stored hash with other
// parameters than the node's is re-hashed after a successful check and stored before the
// answer (ChangePassword with the old hash expected, so a newer change is never undone).
#include <spdlog/spdlog.h>

#include <mercato/domain/password.hpp>
#include <mercato/domain/user.hpp>
#include <mercato/http/validate.hpp>

#include "context.hpp"

namespace mercato::http::detail {

namespace {

const body_schema& register_schema() {
  static const auto schema =
      body_schema{}
          .string("email", {.min_length = 3, .max_length = 254, .format = text_format::email})
          .string("password", {.min_length = 1, .max_length = 1024, .trim = false})
          .string("displayName", {.min_length = 1, .max_length = 200}, presence::optional)
          .string("firstName", {.min_length = 1, .max_length = 100}, presence::optional)
          .string("lastName", {.min_length = 1, .max_length = 100}, presence::optional);
  return schema;
}

const body_schema& login_schema() {
  static const auto schema = body_schema{}
                                 .string("email", {.min_length = 1, .max_length = 254})
                                 .string("password", {.min_length = 1, .max_length = 1024, .trim = false});
  return schema;
}

/// Answers with a fresh token for `user`.
void answer_token(api_context& ctx, const exchange_ptr& ex, const domain::user_state& user, int status,
                  header_list headers = {}) {
  auto token = ctx.jwt.issue({user.user_id.value(), std::string(domain::to_string(user.role)), user.email});
  if (!token) {
    ex->fail(internal_error());
    return;
  }
  ex->data(status,
           {{"accessToken", token->access_token},
            {"tokenType", "Bearer"},
            {"expiresIn", token->expires_in},
            {"user",
             {{"id", user.user_id.value()},
              {"email", user.email},
              {"displayName", user.display_name},
              {"role", domain::to_string(user.role)}}}},
           std::move(headers));
}

http::problem bad_credentials() {
  return make_problem(401, "invalid-credentials", "Invalid credentials",
                      "The e-mail or the password is wrong.");
}

http::problem checks_busy(const verify_ticket& t) {
  return service_unavailable("Too many logins are being checked; retry shortly.", t.retry_after_seconds);
}

/// The request still waits for an answer (a check nobody waits for is skipped).
std::function<bool()> waiting(const exchange_ptr& ex) {
  return [ex] { return !ex->answered(); };
}

/// An unknown e-mail is refused only after the same Argon2id work a wrong password costs,
/// on the same pool with the same admission, so neither response times nor 503s tell which
/// addresses have accounts.
void refuse_after_equal_work(api_context& ctx, const exchange_ptr& ex, std::string_view identity,
                             std::string password) {
  auto ticket =
      ctx.passwords.check_unknown(identity, std::move(password), waiting(ex),
                                  [ex](std::optional<password_check>) { ex->fail(bad_credentials()); });
  if (ticket.how == admission::shed) ex->fail(checks_busy(ticket));
}

/// Stores the re-hashed password (only in place of the hash that was checked), then
/// answers. A failure to store is logged; the login stands (the next one re-hashes again).
void store_rehash_then_answer(api_context& ctx, const exchange_ptr& ex, const domain::user_state& user,
                              std::string rehashed, std::string password) {
  const auto id = user.user_id;
  ctx.deps.engine->send(
      id, domain::user_command{domain::change_password{rehashed, user.password_hash}}, {"", ex->request_id()},
      [&ctx, ex, user, rehashed, password = std::move(password)](actors::reply<domain::user_state> r) {
        try {
          if (!r) {
            spdlog::warn("could not store the re-hashed password of user {}: {}", user.user_id.value(),
                         r.error().error.message);
            answer_token(ctx, ex, user, 200);
            return;
          }
          if (r->state.password_hash == rehashed) {
            ctx.passwords.cache().forget(user.user_id.value());  // the old hash is gone
            ctx.passwords.cache().remember(user.user_id.value(), rehashed, password);
            if (!r->positions.empty())
              spdlog::info("password of user {} re-hashed with the node's Argon2id parameters",
                           user.user_id.value());
          }
          answer_token(ctx, ex, r->state, 200);
        } catch (...) {
          ex->fail(internal_error());
        }
      });
}

/// Checks `password` for `user` (found under `identity`, the normalized e-mail) and answers.
void check_then_answer(api_context& ctx, const exchange_ptr& ex, std::string identity,
                       domain::user_state user, std::string password) {
  if (!domain::exists(user)) {
    refuse_after_equal_work(ctx, ex, identity, std::move(password));
    return;
  }
  if (ctx.passwords.cache().contains(user.user_id.value(), user.password_hash, password)) {
    answer_token(ctx, ex, user, 200);
    return;
  }
  const auto hash = user.password_hash;
  auto ticket = ctx.passwords.check(
      identity, hash, password, waiting(ex),
      [&ctx, ex, user = std::move(user), password](std::optional<password_check> r) mutable {
        if (!r) {
          ex->fail(internal_error());
          return;
        }
        if (!r->matched) {
          ex->fail(bad_credentials());  // never cached: every wrong password pays in full
          return;
        }
        if (!r->rehashed.empty()) {
          store_rehash_then_answer(ctx, ex, user, r->rehashed, std::move(password));
          return;
        }
        ctx.passwords.cache().remember(user.user_id.value(), user.password_hash, password);
        answer_token(ctx, ex, user, 200);
      });
  if (ticket.how == admission::shed) ex->fail(checks_busy(ticket));
}

}  // namespace

void add_auth_routes(route_table& t, api_context& ctx) {
  ctx.passwords.add_collector(ctx.metrics);
  t.add({"POST", "/api/v1/auth/register", access::open, [&ctx](const exchange_ptr& ex) {
           auto body = register_schema().parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           std::string display = body->optional_text("displayName").value_or("");
           if (display.empty()) {
             auto first = body->optional_text("firstName").value_or("");
             auto last = body->optional_text("lastName").value_or("");
             display = first + (first.empty() || last.empty() ? "" : " ") + last;
           }
           ctx.deps.engine->register_user(
               body->text("email"), body->text("password"), display, domain::role::customer, meta_of(*ex),
               on_reply<domain::user_state>(ex, [&ctx, ex](actors::reply_value<domain::user_state> r) {
                 answer_token(ctx, ex, r.state, 201, token_headers(r.positions));
               }));
         }});

  t.add({"POST", "/api/v1/auth/login", access::open, [&ctx](const exchange_ptr& ex) {
           auto body = login_schema().parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           auto email = domain::parse_email(body->text("email"));
           if (!email) {
             refuse_after_equal_work(ctx, ex, body->text("email"), body->text("password"));
             return;
           }
           auto password = body->text("password");
           auto* engine = ctx.deps.engine;
           const auto identity = email->normalized;
           engine->get(identity, [&ctx, ex, engine, identity,
                                  password](actors::reply<domain::email_claim_state> claim) {
             if (!claim) {
               if (claim.error().what == actors::command_error::kind::unavailable)
                 ex->fail(problem_of(claim.error()));
               else
                 ex->fail(bad_credentials());
               return;
             }
             if (!claim->state.claimed) {
               refuse_after_equal_work(ctx, ex, identity, password);
               return;
             }
             engine->get(claim->state.user_id,
                         [&ctx, ex, identity, password](actors::reply<domain::user_state> user) {
                           if (!user) {
                             ex->fail(user.error().what == actors::command_error::kind::unavailable
                                          ? problem_of(user.error())
                                          : bad_credentials());
                             return;
                           }
                           check_then_answer(ctx, ex, identity, std::move(user->state), password);
                         });
           });
         }});
}

}  // namespace mercato::http::detail
