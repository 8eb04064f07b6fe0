#pragma once
// What every route source shares: the node's dependencies, the API settings, the worker
// pool, and the helpers that turn engine answers and read models into HTTP answers.
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mercato/actors/engine.hpp>
#include <mercato/eventstore/types.hpp>
#include <mercato/http/api.hpp>
#include <mercato/http/cors.hpp>
#include <mercato/http/jwt.hpp>
#include <mercato/http/metrics.hpp>
#include <mercato/http/problem.hpp>
#include <mercato/http/rate_limit.hpp>
#include <mercato/http/validate.hpp>
#include <mercato/http/webhook_sig.hpp>

#include "exchange.hpp"
#include "password_checks.hpp"
#include "router.hpp"
#include "workers.hpp"

namespace mercato::http::detail {

struct api_context {
  api_context(api_dependencies d, api_options o, std::size_t max_body)
      : deps(d),
        options(std::move(o)),
        max_body_bytes(max_body),
        jwt(options.jwt),
        limiter(options.rate_limit),
        cors(options.cors),
        webhooks(options.payment_webhook_secret),
        http_figures(metrics),
        passwords(options),
        workers(options.worker_threads) {}
  api_dependencies deps;
  api_options options;
  std::size_t max_body_bytes;
  jwt_codec jwt;
  rate_limiter limiter;
  cors_policy cors;
  webhook_verifier webhooks;
  registry metrics;
  http_metrics http_figures;
  stream_threads streams{16};  ///< live event feeds
  password_checks passwords;   ///< login: bounded Argon2id pool, cache of recent successes
  worker_pool workers;         // last: its threads stop first
};

// ---- route sources (routes_*.cpp) --------------------------------------------------------
void add_operations_routes(route_table& t, api_context& ctx);
void add_auth_routes(route_table& t, api_context& ctx);
void add_catalog_routes(route_table& t, api_context& ctx);
void add_cart_routes(route_table& t, api_context& ctx);
void add_order_routes(route_table& t, api_context& ctx);
void add_event_routes(route_table& t, api_context& ctx);
void add_admin_routes(route_table& t, api_context& ctx);

// ---- helpers (routes_common.cpp) ---------------------------------------------------------

/// Idempotency-Key → idempotency key, request id → correlation id.
actors::command_meta meta_of(const exchange& ex);

/// The problem for an engine refusal or failure.
http::problem problem_of(const actors::command_error& e);

/// Read-your-writes token: "<shard>.<seq>" joined by '-' (URL-safe). Empty for none.
std::string consistency_token(std::span<const es::position> positions);
/// nullopt for a malformed token.
std::optional<std::vector<es::position>> parse_consistency_token(std::string_view token);
inline constexpr std::string_view consistency_header = "X-Consistency-Token";

/// The body as a JSON object, or answers 400 (malformed) / 422 (not an object) and
/// returns nullopt.
std::optional<nlohmann::json> json_body(const exchange_ptr& ex);

/// The request's query parsed by `schema`, or answers 400 and returns nullopt.
std::optional<query_schema::parsed> parse_query(const exchange_ptr& ex, const query_schema& schema);

/// Runs `query(prefix)` against projection `name`'s active keyspace: at once, or, when
/// the request carries a consistency token (`?consistentWith=` or the header), on a
/// worker after host.wait_until (503 + Retry-After when the wait runs out). 503 when no
/// projection host is running.
void run_query(api_context& ctx, const exchange_ptr& ex, std::string_view name,
               std::function<void(const std::string& prefix)> query);

/// Answers a command from read model `name` once it has applied `positions` (the command's
/// own events; empty: at once): `render(prefix)` queries and answers, so what a command
/// answers is what the resource's GET shows, through the same query and JSON renderer.
/// When the read model has not caught up within the consistency wait: 503 + Retry-After
/// saying the command was carried out (a GET shortly shows it).
void answer_from_read_model(api_context& ctx, const exchange_ptr& ex, std::string_view name,
                            std::vector<es::position> positions,
                            std::function<void(const std::string& prefix)> render);

/// Wraps an engine callback: a refusal or failure becomes its problem; success calls `ok`
/// (on the CAF thread), guarded so an exception becomes a 500.
template <class State, class F>
actors::reply_fn<State> on_reply(exchange_ptr ex, F ok) {
  return [ex = std::move(ex), ok = std::move(ok)](actors::reply<State> r) mutable {
    try {
      if (!r) {
        ex->fail(problem_of(r.error()));
        return;
      }
      ok(std::move(*r));
    } catch (...) {
      ex->fail(internal_error());
    }
  };
}

/// The consistency token header for a command's positions (none when empty).
header_list token_headers(std::span<const es::position> positions);

}  // namespace mercato::http::detail
