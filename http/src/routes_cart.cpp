// Cart (bearer token): GET /api/v1/cart, POST /api/v1/cart/items → 201,
// PUT|DELETE /api/v1/cart/items/{productId}, DELETE /api/v1/cart,
// POST /api/v1/cart/checkout (payment token in the body) → the order.
// A user's cart id is derived from the token's user id: nobody can name another's cart.
#include <mercato/eventstore/store.hpp>
#include <mercato/http/validate.hpp>
#include <mercato/projections/carts.hpp>
#include <mercato/projections/orders.hpp>

#include "context.hpp"
#include "json_views.hpp"

namespace mercato::http::detail {

namespace {

// Quantities are bounded here only by what a line can hold (a UInt32); the configured
// per-line limit (actors.max_line_quantity) is the cart's rule: 422 quantity-out-of-range.
constexpr std::int64_t max_quantity = domain::max_cart_units;

const body_schema& add_schema(const api_context&) {
  static const auto schema = body_schema{}
                                 .string("productId", {.format = text_format::identifier})
                                 .integer("quantity", {.min = 1, .max = max_quantity});
  return schema;
}

const body_schema& quantity_schema() {
  static const auto schema = body_schema{}.integer("quantity", {.min = 1, .max = max_quantity});
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
    ex->data_text(status, cart_json(projections::view_of(r.state, r.version.value())),
                  token_headers(r.positions));
  });
}

/// Every shard's head now: positions that cover everything committed so far (a checkout
/// writes to several streams on several shards).
std::vector<es::position> heads(const es::event_store& store) {
  std::vector<es::position> out;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s) {
    auto head = store.shard_head(es::shard_id{s});
    if (head.value() > 0) out.push_back({es::shard_id{s}, head});
  }
  return out;
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
                       ex->data_text(200, cart_json(*cart));
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

  t.add(
      {"POST", "/api/v1/cart/checkout", access::customer, [&ctx](const exchange_ptr& ex) {
         auto body = checkout_schema().parse(ex->req().body);
         if (!body) {
           ex->fail(body.error());
           return;
         }
         auto* engine = ctx.deps.engine;
         engine->checkout(
             user_of(*ex), body->text("paymentToken"), meta_of(*ex),
             on_reply<domain::checkout_state>(ex, [&ctx, ex](actors::reply_value<domain::checkout_state> r) {
               auto checkout = r.state;
               nlohmann::json outcome{
                   {"id", checkout.checkout_id.value()},
                   {"outcome",
                    checkout.outcome == domain::checkout_outcome::confirmed ? "confirmed" : "compensated"}};
               if (checkout.outcome != domain::checkout_outcome::confirmed)
                 outcome["reason"] = {{"code", domain::to_string(checkout.compensation_reason)},
                                      {"detail", checkout.compensation_detail}};
               // The order as GET /api/v1/orders/{id} shows it (payments, timeline), plus how
               // the checkout ended.
               const auto order_id = checkout.order_id.value();
               auto positions = heads(*ctx.deps.store);
               auto headers = token_headers(positions);
               headers.emplace_back("Location", "/api/v1/orders/" + order_id);
               answer_from_read_model(
                   ctx, ex, projections::orders_projection::projection_name, std::move(positions),
                   [&ctx, ex, order_id, outcome, headers](const std::string& prefix) {
                     auto found = projections::orders_query(*ctx.deps.store, prefix).get(order_id);
                     if (!found || !*found)
                       return (void)ex->fail(
                           service_unavailable("The order could not be read yet; GET it shortly.", 1));
                     auto order = order_json(**found);
                     order["checkout"] = outcome;
                     ex->data(201, std::move(order), headers);
                   });
             }));
       }});
}

}  // namespace mercato::http::detail
