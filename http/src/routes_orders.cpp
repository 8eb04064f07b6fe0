// Orders, payments and notifications:
//   GET /api/v1/orders, GET /api/v1/orders/{id}, POST /api/v1/orders/{id}/cancel;
//   admin: POST /api/v1/orders/{id}/ship | deliver | refund;
//   GET /api/v1/payments/{id}, POST /api/v1/payments/webhook (signed by the provider);
//   GET /api/v1/notifications.
// A customer sees only their own orders, payments and notifications: another user's id
// answers 404 exactly like an id that does not exist.
#include <spdlog/spdlog.h>

#include <mercato/http/validate.hpp>
#include <mercato/projections/notifications.hpp>
#include <mercato/projections/orders.hpp>

#include "context.hpp"
#include "json_views.hpp"

namespace mercato::http::detail {

namespace {

const query_schema& page_schema() {
  static const auto schema =
      query_schema{}.paging().text("consistentWith", {.min_length = 1, .max_length = 4096});
  return schema;
}

const query_schema& consistency_schema() {
  static const auto schema = query_schema{}.text("consistentWith", {.min_length = 1, .max_length = 4096});
  return schema;
}

const body_schema& cancel_schema() {
  static const auto schema =
      body_schema{}.string("reason", {.min_length = 1, .max_length = 500}, presence::optional);
  return schema;
}

const body_schema& ship_schema() {
  static const auto schema =
      body_schema{}
          .string("trackingNumber", {.min_length = 1, .max_length = 100}, presence::optional)
          .string("carrier", {.min_length = 1, .max_length = 100}, presence::optional);
  return schema;
}

const body_schema& refund_schema() {
  static const auto schema =
      body_schema{}
          .integer("amount", {.min = 1, .max = INT64_MAX / 1024}, presence::optional)
          .string("currency", {.min_length = 3, .max_length = 3, .format = text_format::currency},
                  presence::optional)
          .string("reason", {.min_length = 1, .max_length = 500}, presence::optional);
  return schema;
}

const body_schema& webhook_schema() {
  static const auto schema = body_schema{}
                                 .string("id", {.format = text_format::identifier})
                                 .string("type", {.min_length = 1, .max_length = 100})
                                 .string("paymentId", {.format = text_format::identifier}, presence::optional)
                                 .string("orderId", {.format = text_format::identifier}, presence::optional)
                                 .integer("created", {.min = 0, .max = INT64_MAX / 2}, presence::optional);
  return schema;
}

bool owns(const exchange& ex, const std::string& user_id) {
  return ex.who && (ex.who->admin || ex.who->user_id == user_id);
}

/// The {id} path parameter as an order id, or answers 404.
std::optional<domain::order_id> order_param(const exchange_ptr& ex) {
  auto id = ex->req().param("id");
  if (!valid_path_id(id)) {
    ex->fail(not_found("No order " + id + "."));
    return std::nullopt;
  }
  return domain::order_id{id};
}

void unreadable(const exchange_ptr& ex);

/// Answers an order command with the order as GET /api/v1/orders/{id} shows it, once the
/// orders read model has applied the command's events.
actors::reply_fn<domain::order_state> order_answer(api_context& ctx, const exchange_ptr& ex) {
  return on_reply<domain::order_state>(ex, [&ctx, ex](actors::reply_value<domain::order_state> r) {
    const auto id = r.state.order_id.value();
    auto headers = token_headers(r.positions);
    answer_from_read_model(ctx, ex, projections::orders_projection::projection_name, std::move(r.positions),
                           [&ctx, ex, id, headers](const std::string& prefix) {
                             auto found = projections::orders_query(*ctx.deps.store, prefix).get(id);
                             if (!found) return unreadable(ex);
                             if (!*found) return (void)ex->fail(not_found("No order " + id + "."));
                             ex->data(200, order_json(**found), headers);
                           });
  });
}

void unreadable(const exchange_ptr& ex) {
  ex->fail(service_unavailable("The read model could not be read; retry shortly.", 1));
}

}  // namespace

void add_order_routes(route_table& t, api_context& ctx) {
  using projections::orders_projection;
  using projections::orders_query;

  t.add({"GET", "/api/v1/orders", access::customer, [&ctx](const exchange_ptr& ex) {
           auto q = parse_query(ex, page_schema());
           if (!q) return;
           const auto page = q->page;
           run_query(ctx, ex, orders_projection::projection_name,
                     [&ctx, ex, page](const std::string& prefix) {
                       auto found = orders_query(*ctx.deps.store, prefix)
                                        .history(ex->who->user_id, {page.page - 1, page.page_size});
                       if (!found) return unreadable(ex);
                       auto items = nlohmann::json::array();
                       for (const auto& o : found->items) items.push_back(order_json(o));
                       ex->answer(list_response(std::move(items), page.page, page.page_size, found->total));
                     });
         }});

  t.add({"GET", "/api/v1/orders/{id}", access::customer, [&ctx](const exchange_ptr& ex) {
           if (!parse_query(ex, consistency_schema())) return;
           auto id = order_param(ex);
           if (!id) return;
           run_query(ctx, ex, orders_projection::projection_name,
                     [&ctx, ex, id = *id](const std::string& prefix) {
                       auto found = orders_query(*ctx.deps.store, prefix).get(id.value());
                       if (!found) return unreadable(ex);
                       if (!*found || !owns(*ex, (*found)->user_id)) {
                         ex->fail(not_found("No order " + id.value() + "."));
                         return;
                       }
                       ex->data(200, order_json(**found));
                     });
         }});

  t.add({"POST", "/api/v1/orders/{id}/cancel", access::customer, [&ctx](const exchange_ptr& ex) {
           auto body = cancel_schema().parse(ex->req().body);
           if (!body) return (void)ex->fail(body.error());
           auto id = order_param(ex);
           if (!id) return;
           ctx.deps.engine->cancel_order(*id, domain::user_id{ex->who->user_id}, ex->who->admin,
                                         body->optional_text("reason").value_or(""), meta_of(*ex),
                                         order_answer(ctx, ex));
         }});

  t.add({"POST", "/api/v1/orders/{id}/ship", access::admin, [&ctx](const exchange_ptr& ex) {
           auto body = ship_schema().parse(ex->req().body);
           if (!body) return (void)ex->fail(body.error());
           auto id = order_param(ex);
           if (!id) return;
           ctx.deps.engine->ship_order(*id, body->optional_text("trackingNumber").value_or(""),
                                       body->optional_text("carrier").value_or(""), meta_of(*ex),
                                       order_answer(ctx, ex));
         }});

  t.add({"POST", "/api/v1/orders/{id}/deliver", access::admin, [&ctx](const exchange_ptr& ex) {
           auto body = body_schema{}.parse(ex->req().body);
           if (!body) return (void)ex->fail(body.error());
           auto id = order_param(ex);
           if (!id) return;
           ctx.deps.engine->send(*id, domain::deliver_order{}, meta_of(*ex), order_answer(ctx, ex));
         }});

  t.add({"POST", "/api/v1/orders/{id}/refund", access::admin, [&ctx](const exchange_ptr& ex) {
           auto body = refund_schema().parse(ex->req().body);
           if (!body) return (void)ex->fail(body.error());
           auto id = order_param(ex);
           if (!id) return;
           std::optional<domain::money> amount;
           if (auto a = body->optional_integer("amount")) {
             auto currency = body->optional_text("currency");
             if (!currency) return (void)ex->fail(validation_failed({{"currency", "required with amount"}}));
             auto m = domain::make_money(*a, *currency);
             if (!m)
               return (void)ex->fail(validation_failed({{"currency", "must be an ISO 4217 currency code"}}));
             amount = *m;
           }
           ctx.deps.engine->refund_order(*id, amount, body->optional_text("reason").value_or(""),
                                         meta_of(*ex), order_answer(ctx, ex));
         }});

  t.add({"GET", "/api/v1/payments/{id}", access::customer, [&ctx](const exchange_ptr& ex) {
           if (!parse_query(ex, consistency_schema())) return;
           auto id = ex->req().param("id");
           if (!valid_path_id(id)) return (void)ex->fail(not_found("No payment " + id + "."));
           run_query(ctx, ex, orders_projection::projection_name, [&ctx, ex, id](const std::string& prefix) {
             auto found = orders_query(*ctx.deps.store, prefix).payment(id);
             if (!found) return unreadable(ex);
             if (!*found || !owns(*ex, (*found)->user_id))
               return (void)ex->fail(not_found("No payment " + id + "."));
             ex->data(200, payment_json(**found));
           });
         }});

  t.add({"POST", "/api/v1/payments/webhook", access::open, [&ctx](const exchange_ptr& ex) {
           auto signature = ctx.webhooks.verify(ex->req().header("mercato-signature"), ex->req().body);
           if (!signature) {
             spdlog::warn("payment webhook refused ({}), request {}", to_string(signature.error()),
                          ex->request_id());
             ex->fail(
                 make_problem(401, "invalid-signature", "Invalid signature",
                              "The Mercato-Signature header is missing, stale or does not match the body."));
             return;
           }
           auto body = webhook_schema().parse(ex->req().body);
           if (!body) return (void)ex->fail(body.error());
           // The simulated provider answers authorizations synchronously, so provider events
           // carry nothing the log does not already hold: they are verified, logged and
           // acknowledged (a provider retries until it gets a 2xx).
           spdlog::info("payment webhook {} ({}) accepted, request {}", body->text("id"), body->text("type"),
                        ex->request_id());
           ex->data(200, {{"received", true}, {"id", body->text("id")}});
         }});

  t.add({"GET", "/api/v1/notifications", access::customer, [&ctx](const exchange_ptr& ex) {
           auto q = parse_query(ex, page_schema());
           if (!q) return;
           const auto page = q->page;
           run_query(ctx, ex, projections::notifications_projection::projection_name,
                     [&ctx, ex, page](const std::string& prefix) {
                       auto found = projections::notifications_query(*ctx.deps.store, prefix)
                                        .inbox(ex->who->user_id, {page.page - 1, page.page_size});
                       if (!found) return unreadable(ex);
                       auto items = nlohmann::json::array();
                       for (const auto& n : found->items) items.push_back(notification_json(n));
                       ex->answer(list_response(std::move(items), page.page, page.page_size, found->total));
                     });
         }});
}

}  // namespace mercato::http::detail
