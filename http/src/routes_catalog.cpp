// Catalog: GET /api/v1/products (search, category, price range, sort, paging),
// GET /api/v1/products/{id}; admin: POST /api/v1/products, PUT /api/v1/products/{id},
// POST /api/v1/products/{id}/deactivate, POST /api/v1/products/{id}/restock.
#include <mercato/common/ids.hpp>
#include <mercato/domain/product.hpp>
#include <mercato/http/validate.hpp>
#include <mercato/projections/catalog.hpp>

#include "context.hpp"
#include "json_views.hpp"

namespace mercato::http::detail {

namespace {

const query_schema& list_schema() {
  static const auto schema = query_schema{}
                                 .paging()
                                 .text("q", {.min_length = 1, .max_length = 100})
                                 .text("search", {.min_length = 1, .max_length = 100})
                                 .text("category", {.min_length = 1, .max_length = 100})
                                 .integer("minPrice", {.min = 0, .max = INT64_MAX / 2})
                                 .integer("maxPrice", {.min = 0, .max = INT64_MAX / 2})
                                 .one_of("sort", {"name", "-name", "price", "-price", "newest", "oldest"})
                                 .text("consistentWith", {.min_length = 1, .max_length = 4096});
  return schema;
}

const body_schema& create_schema() {
  static const auto schema =
      body_schema{}
          .string("id", {.format = text_format::identifier}, presence::optional)
          .string("sku", {.min_length = 1, .max_length = 64, .format = text_format::identifier},
                  presence::optional)
          .string("name", {.min_length = 1, .max_length = 200})
          .string("description", {.min_length = 0, .max_length = 5000, .allow_newlines = true},
                  presence::optional)
          .string("category", {.min_length = 1, .max_length = 100}, presence::optional)
          .integer("price", {.min = 0, .max = INT64_MAX / 1024})
          .string("currency", {.min_length = 3, .max_length = 3, .format = text_format::currency})
          .string_list("images", {.item = {.min_length = 1, .max_length = 2048, .format = text_format::url},
                                  .max_items = 20})
          .integer("stock", {.min = 0, .max = UINT32_MAX}, presence::optional);
  return schema;
}

const body_schema& update_schema() {
  static const auto schema =
      body_schema{}
          .string("name", {.min_length = 1, .max_length = 200}, presence::optional)
          .string("description", {.min_length = 0, .max_length = 5000, .allow_newlines = true},
                  presence::optional)
          .string("category", {.min_length = 1, .max_length = 100}, presence::optional)
          .integer("price", {.min = 0, .max = INT64_MAX / 1024}, presence::optional)
          .string("currency", {.min_length = 3, .max_length = 3, .format = text_format::currency},
                  presence::optional)
          .string_list("images", {.item = {.min_length = 1, .max_length = 2048, .format = text_format::url},
                                  .max_items = 20});
  return schema;
}

const body_schema& restock_schema() {
  static const auto schema = body_schema{}.integer("quantity", {.min = 1, .max = UINT32_MAX});
  return schema;
}

/// The id of a product created without one: derived from the admin and the request's
/// Idempotency-Key, so a retried request names (and finds) the same product and the store's
/// idempotency check answers it with the first result; random without a key.
std::string new_product_id(const exchange& ex) {
  const auto key = ex.req().header("idempotency-key");
  const auto admin = ex.who ? ex.who->user_id : std::string();
  return "prod-" + (key.empty() ? ids::random_id() : ids::derived_id("product", admin, key));
}

/// Answers a product command with the product as GET /api/v1/products/{id} shows it (for an
/// admin, also when inactive), once the catalog has applied the command's events.
actors::reply_fn<domain::product_state> product_answer(api_context& ctx, const exchange_ptr& ex, int status) {
  return on_reply<domain::product_state>(ex, [&ctx, ex,
                                              status](actors::reply_value<domain::product_state> r) {
    const auto id = r.state.product_id.value();
    auto headers = token_headers(r.positions);
    answer_from_read_model(
        ctx, ex, projections::catalog_projection::projection_name, std::move(r.positions),
        [&ctx, ex, id, status, headers](const std::string& prefix) {
          auto found = projections::catalog_query(*ctx.deps.store, prefix).get(id);
          if (!found)
            return (void)ex->fail(service_unavailable("The catalog could not be read; retry shortly.", 1));
          if (!*found) return (void)ex->fail(not_found("No product " + id + "."));
          ex->data_text(status, product_json(**found), headers);
        });
  });
}

void send_product_command(api_context& ctx, const exchange_ptr& ex, domain::product_command c,
                          int status = 200) {
  auto id = ex->req().param("id");
  if (!valid_path_id(id)) {
    ex->fail(not_found("No product " + id + "."));
    return;
  }
  ctx.deps.engine->send(domain::product_id{id}, std::move(c), meta_of(*ex), product_answer(ctx, ex, status));
}

}  // namespace

void add_catalog_routes(route_table& t, api_context& ctx) {
  t.add({"GET", "/api/v1/products", access::open, [&ctx](const exchange_ptr& ex) {
           auto q = parse_query(ex, list_schema());
           if (!q) return;
           projections::catalog_filter f;
           f.text = q->values.optional_text("q").value_or(q->values.optional_text("search").value_or(""));
           f.category = q->values.optional_text("category").value_or("");
           f.min_price_minor = q->values.optional_integer("minPrice");
           f.max_price_minor = q->values.optional_integer("maxPrice");
           if (f.min_price_minor && f.max_price_minor && *f.min_price_minor > *f.max_price_minor) {
             ex->fail(invalid_query({{"minPrice", "must not be above maxPrice"}}));
             return;
           }
           const auto sort = q->values.optional_text("sort").value_or("name");
           using projections::catalog_sort;
           using projections::sort_direction;
           if (sort == "name" || sort == "-name") f.sort = catalog_sort::name;
           if (sort == "price" || sort == "-price") f.sort = catalog_sort::price;
           if (sort == "newest" || sort == "oldest") f.sort = catalog_sort::newest;
           f.direction =
               (sort.front() == '-' || sort == "newest") ? sort_direction::desc : sort_direction::asc;
           f.page = {q->page.page - 1, q->page.page_size};
           const auto page = q->page;
           run_query(ctx, ex, projections::catalog_projection::projection_name,
                     [&ctx, ex, f, page](const std::string& prefix) {
                       auto found = projections::catalog_query(*ctx.deps.store, prefix).search(f);
                       if (!found) {
                         ex->fail(service_unavailable("The catalog could not be read; retry shortly.", 1));
                         return;
                       }
                       std::string items = "[";
                       for (const auto& p : found->items) {
                         if (items.size() > 1) items.push_back(',');
                         projections::append_product_json(items, p);
                       }
                       items.push_back(']');
                       ex->answer(list_response_text(items, page.page, page.page_size, found->total));
                     });
         }});

  t.add({"GET", "/api/v1/products/{id}", access::open, [&ctx](const exchange_ptr& ex) {
           auto id = ex->req().param("id");
           if (!valid_path_id(id)) {
             ex->fail(not_found("No product " + id + "."));
             return;
           }
           run_query(ctx, ex, projections::catalog_projection::projection_name,
                     [&ctx, ex, id](const std::string& prefix) {
                       auto found = projections::catalog_query(*ctx.deps.store, prefix).get(id);
                       if (!found) {
                         ex->fail(service_unavailable("The catalog could not be read; retry shortly.", 1));
                         return;
                       }
                       if (!*found || !(*found)->active) {
                         ex->fail(not_found("No product " + id + "."));
                         return;
                       }
                       ex->data_text(200, product_json(**found));
                     });
         }});

  t.add({"POST", "/api/v1/products", access::admin, [&ctx](const exchange_ptr& ex) {
           auto body = create_schema().parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           auto price = domain::make_money(body->integer("price"), body->text("currency"));
           if (!price) {
             ex->fail(validation_failed({{"currency", "must be an ISO 4217 currency code"}}));
             return;
           }
           domain::create_product c;
           c.product_id = domain::product_id{body->optional_text("id").value_or(new_product_id(*ex))};
           c.sku = body->optional_text("sku").value_or(c.product_id.value());
           c.name = body->text("name");
           c.description = body->optional_text("description").value_or("");
           c.category = body->optional_text("category").value_or("");
           c.price = *price;
           c.images = body->texts("images");
           c.initial_stock = body->optional_integer("stock").value_or(0);
           ex->extra_headers.emplace_back("Location", "/api/v1/products/" + c.product_id.value());
           auto id = c.product_id;
           ctx.deps.engine->send(id, std::move(c), meta_of(*ex), product_answer(ctx, ex, 201));
         }});

  t.add({"PUT", "/api/v1/products/{id}", access::admin, [&ctx](const exchange_ptr& ex) {
           auto body = update_schema().parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           domain::update_product c;
           c.name = body->optional_text("name");
           c.description = body->optional_text("description");
           c.category = body->optional_text("category");
           if (body->has("images")) c.images = body->texts("images");
           auto price = body->optional_integer("price");
           auto currency = body->optional_text("currency");
           if (price.has_value() != currency.has_value()) {
             ex->fail(validation_failed(
                 {{price ? "currency" : "price", "price and currency are changed together"}}));
             return;
           }
           if (price) {
             auto m = domain::make_money(*price, *currency);
             if (!m) {
               ex->fail(validation_failed({{"currency", "must be an ISO 4217 currency code"}}));
               return;
             }
             c.price = *m;
           }
           send_product_command(ctx, ex, std::move(c));
         }});

  t.add({"POST", "/api/v1/products/{id}/deactivate", access::admin, [&ctx](const exchange_ptr& ex) {
           auto body = body_schema{}.parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           send_product_command(ctx, ex, domain::deactivate_product{});
         }});

  t.add({"POST", "/api/v1/products/{id}/restock", access::admin, [&ctx](const exchange_ptr& ex) {
           auto body = restock_schema().parse(ex->req().body);
           if (!body) {
             ex->fail(body.error());
             return;
           }
           send_product_command(ctx, ex, domain::restock_product{body->integer("quantity")});
         }});
}

}  // namespace mercato::http::detail
