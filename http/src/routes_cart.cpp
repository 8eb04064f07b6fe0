// Cart (bearer token): GET /api/v1/cart, POST /api/v1/cart/items → 201,
// PUT|DELETE /api/v1/cart/items/{productId}, DELETE /api/v1/cart,
// POST /api/v1/cart/checkout (payment token in the body) → the order.
// A user's cart id is derived from the token's user id: nobody can name another's cart.
#include <mercato/eventstore/store.hpp>
#include <mercato/http/validate.hpp>
#include <mercato/projections/carts.hpp>

#include "context.hpp"
#include "json_views.hpp"

namespace mercato::http::detail {

namespace {

const body_schema& add_schema(const api_context&) {
  static const auto schema = body_schema{}
                                 .string("productId", {.format = text_format::identifier})
                                 .integer("quantity", {.min = 1, .max = 10000});
  return schema;
}

const body_schema& quantity_schema() {
  static const auto schema = body_schema{}.integer("quantity", {.min = 1, .max = 10000});
  return schema;
}

const body_schema& checkout_schema() {
  static const auto schema = body_schema{}.string(
      "paymentToken", {.min_length = 1, .max_length = 128, .format = text_format::identifier});
  return schema;
}

domain::user_id user_of(const exchange& ex) {
  return domain::user_id{ex.who->user_id};
}

actors::reply_fn<domain::cart_state> cart_answer(const exchange_ptr& ex, int status) {
  return on_reply<domain::cart_state>(ex, [ex, status](actors::reply_value<domain::cart_state> r) {
    ex->data(status, cart_json(r.state), token_headers(r.positions));
  });
}

/// Every shard's head now: a token that covers everything committed so far (a checkout
/// writes to several streams on several shards).
header_list head_token(const es::event_store& store) {
  std::vector<es::position> heads;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s) {
    auto head = store.shard_head(es::shard_id{s});
    if (head.value() > 0) heads.push_back({es::shard_id{s}, head});
  }
  return token_headers(heads);
}

}  // namespace

void add_cart_routes(route_table& t, api_context& ctx) {
  t.add({"GET", "/api/v1/cart", access::customer, [&ctx](const exchange_ptr& ex) {
           run_query(ctx, ex, projections::carts_projection::projection_name,
                     [&ctx, ex](const std::string& prefix) {
                       auto cart =
                           projections::carts_query(*ctx.deps.store, prefix).for_user(ex->who->user_id);
                       if (!cart) {
                         ex->fail(service_unavailable("The cart could not be read; retry shortly.", 1));
                         return;
                       }
                       ex->data(200, cart_json(*cart));
                     });
         }});

  t.add({"POST", "/api/v1/cart/items", access::customer, [&ctx](const exchange_ptr& ex) {
           auto body = add_schema(ctx).parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           ctx.deps.engine->add_to_cart(user_of(*ex), domain::product_id{body->text("productId")},
                                        body->integer("quantity"), meta_of(*ex), cart_answer(ex, 201));
         }});

  t.add({"PUT", "/api/v1/cart/items/{productId}", access::customer, [&ctx](const exchange_ptr& ex) {
           auto body = quantity_schema().parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           auto product = ex->req().param("productId");
           if (!valid_path_id(product)) {
             ex->fail(not_found("Product " + product + " is not in the cart."));
             return;
           }
           ctx.deps.engine->send(
               domain::cart_id_for(user_of(*ex)),
               domain::change_cart_item_quantity{domain::product_id{product}, body->integer("quantity")},
               meta_of(*ex), cart_answer(ex, 200));
         }});

  t.add({"DELETE", "/api/v1/cart/items/{productId}", access::customer, [&ctx](const exchange_ptr& ex) {
           auto product = ex->req().param("productId");
           if (!valid_path_id(product)) {
             ex->fail(not_found("Product " + product + " is not in the cart."));
             return;
           }
           ctx.deps.engine->send(domain::cart_id_for(user_of(*ex)),
                                 domain::remove_cart_item{domain::product_id{product}}, meta_of(*ex),
                                 cart_answer(ex, 200));
         }});

  t.add({"DELETE", "/api/v1/cart", access::customer, [&ctx](const exchange_ptr& ex) {
           ctx.deps.engine->send(domain::cart_id_for(user_of(*ex)), domain::clear_cart{}, meta_of(*ex),
                                 cart_answer(ex, 200));
         }});

  t.add({"POST", "/api/v1/cart/checkout", access::customer, [&ctx](const exchange_ptr& ex) {
           auto body = checkout_schema().parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           auto* engine = ctx.deps.engine;
           engine->checkout(
               user_of(*ex), body->text("paymentToken"), meta_of(*ex),
               on_reply<domain::checkout_state>(ex, [&ctx, ex,
                                                     engine](actors::reply_value<domain::checkout_state> r) {
                 auto checkout = r.state;
                 nlohmann::json outcome{
                     {"id", checkout.checkout_id.value()},
                     {"outcome",
                      checkout.outcome == domain::checkout_outcome::confirmed ? "confirmed" : "compensated"}};
                 if (checkout.outcome != domain::checkout_outcome::confirmed)
                   outcome["reason"] = {{"code", domain::to_string(checkout.compensation_reason)},
                                        {"detail", checkout.compensation_detail}};
                 engine->get(checkout.order_id,
                             on_reply<domain::order_state>(
                                 ex, [&ctx, ex, outcome](actors::reply_value<domain::order_state> o) {
                                   auto order = order_json(o.state);
                                   order["checkout"] = outcome;
                                   auto headers = head_token(*ctx.deps.store);
                                   headers.emplace_back("Location",
                                                        "/api/v1/orders/" + o.state.order_id.value());
                                   ex->data(201, std::move(order), std::move(headers));
                                 }));
               }));
         }});
}

}  // namespace mercato::http::detail
