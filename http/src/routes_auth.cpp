// Auth: POST /api/v1/auth/register, POST /api/v1/auth/login →
//   {"data":{"accessToken","tokenType":"Bearer","expiresIn", "user":{...}}}
// Login reads the e-mail claim and the user through the engine (asynchronously) and checks
// the Argon2id hash on a worker thread, never on an HTTP or actor thread.
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

/// An unknown e-mail is refused only after the same Argon2id work a wrong password costs,
/// so response times do not tell which addresses have accounts.
void refuse_after_equal_work(api_context& ctx, const exchange_ptr& ex, std::string password) {
  ctx.workers.post([ex, password = std::move(password)] {
    static const std::string dummy = domain::hash_password("not-a-real-password-0");
    (void)domain::verify_password(dummy, password);
    ex->fail(bad_credentials());
  });
}

}  // namespace

void add_auth_routes(route_table& t, api_context& ctx) {
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
             refuse_after_equal_work(ctx, ex, body->text("password"));
             return;
           }
           auto password = body->text("password");
           auto* engine = ctx.deps.engine;
           engine->get(email->normalized, [&ctx, ex, engine,
                                           password](actors::reply<domain::email_claim_state> claim) {
             if (!claim) {
               if (claim.error().what == actors::command_error::kind::unavailable)
                 ex->fail(problem_of(claim.error()));
               else
                 ex->fail(bad_credentials());
               return;
             }
             if (!claim->state.claimed) {
               refuse_after_equal_work(ctx, ex, password);
               return;
             }
             engine->get(claim->state.user_id, [&ctx, ex, password](actors::reply<domain::user_state> user) {
               if (!user) {
                 ex->fail(user.error().what == actors::command_error::kind::unavailable
                              ? problem_of(user.error())
                              : bad_credentials());
                 return;
               }
               ctx.workers.post([&ctx, ex, password, state = std::move(user->state)] {
                 if (ex->answered()) return;
                 if (!domain::authenticate(state, password)) {
                   ex->fail(bad_credentials());
                   return;
                 }
                 answer_token(ctx, ex, state, 200);
               });
             });
           });
         }});
}

}  // namespace mercato::http::detail
