// Operations: /health, /health/ready, /health/live, /metrics, /openapi.json.
#include <mercato/actors/engine.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/http/openapi.hpp>
#include <mercato/projections/host.hpp>

#include "context.hpp"

namespace mercato::http::detail {

namespace {

nlohmann::json projections_json(const projections::host* host) {
  auto list = nlohmann::json::array();
  if (!host) return list;
  for (const auto& s : host->status()) {
    nlohmann::json p{{"name", s.name},
                     {"version", s.version},
                     {"generation", s.serving.generation},
                     {"live", s.live},
                     {"lagEvents", s.lag_events},
                     {"lagSeconds", static_cast<double>(s.lag_ns) / 1e9},
                     {"rebuilding", s.rebuilding.has_value()}};
    if (s.last_error) p["lastError"] = "failing (see the node's log)";
    list.push_back(std::move(p));
  }
  return list;
}

void add_node_collectors(api_context& ctx) {
  auto* store = ctx.deps.store;
  auto* engine = ctx.deps.engine;
  auto* host = ctx.deps.host;
  ctx.metrics.add_collector([store, engine, host](scrape& s) {
    if (store) {
      const auto w = store->stats();
      s.counter("mercato_eventstore_appends_total", "Append requests answered by the writer.",
                static_cast<double>(w.requests));
      s.counter("mercato_eventstore_events_total", "Events made durable.", static_cast<double>(w.events));
      s.counter("mercato_eventstore_batches_total", "Group-commit batches written.",
                static_cast<double>(w.batches));
      s.counter("mercato_eventstore_written_bytes_total", "Bytes of WriteBatches written.",
                static_cast<double>(w.bytes));
      s.counter("mercato_eventstore_write_seconds_total", "Time spent in synced RocksDB writes.",
                static_cast<double>(w.write_ns) / 1e9);
      s.gauge("mercato_eventstore_max_batch_requests", "Largest batch so far, in append requests.",
              static_cast<double>(w.max_batch_requests));
      s.gauge("mercato_eventstore_head_position", "Last committed global position.",
              static_cast<double>(store->global_head().value()));
      s.gauge("mercato_eventstore_healthy", "1 while the writer accepts appends.", store->healthy() ? 1 : 0);
    }
    if (engine) {
      const auto e = engine->stats();
      s.gauge("mercato_actors_live_entities", "Entity actors alive now.",
              static_cast<double>(e.live_entities));
      s.counter("mercato_actors_spawned_total", "Entity actors spawned.", static_cast<double>(e.spawned));
      s.counter("mercato_actors_passivated_total", "Entity actors passivated.",
                static_cast<double>(e.passivated));
      s.counter("mercato_actors_snapshots_total", "Entity snapshots written.",
                static_cast<double>(e.snapshots));
    }
    if (host) {
      for (const auto& p : host->status()) {
        s.gauge("mercato_projection_lag_events", "Events of the log not yet applied by a projection.",
                static_cast<double>(p.lag_events), {{"projection", p.name}});
        s.gauge("mercato_projection_lag_seconds", "Age of the oldest event a projection has not applied.",
                static_cast<double>(p.lag_ns) / 1e9, {{"projection", p.name}});
        s.gauge("mercato_projection_live", "1 while a runner follows the log for the projection.",
                p.live ? 1 : 0, {{"projection", p.name}});
      }
    }
  });
  add_process_collector(ctx.metrics);
}

}  // namespace

void add_operations_routes(route_table& t, api_context& ctx) {
  add_node_collectors(ctx);

  t.add({"GET", "/health/live", access::open, [](const exchange_ptr& ex) {
           ex->answer({200, "application/json", R"({"status":"live"})", {}});
         }});

  t.add({"GET", "/health/ready", access::open, [&ctx](const exchange_ptr& ex) {
           const bool storage = ctx.deps.store && ctx.deps.store->healthy();
           const bool projections = ctx.deps.host && ctx.deps.host->caught_up();
           nlohmann::json body{{"status", storage && projections ? "ready" : "not-ready"},
                               {"checks",
                                {{"storage", storage ? "up" : "down"},
                                 {"writer", storage ? "up" : "down"},
                                 {"projections", projections ? "caught-up" : "behind"},
                                 {"cluster", "single-node"}}}};
           ex->answer({storage && projections ? 200 : 503, "application/json", body.dump(), {}});
         }});

  t.add({"GET", "/health", access::open, [&ctx](const exchange_ptr& ex) {
           const bool storage = ctx.deps.store && ctx.deps.store->healthy();
           const bool projections = ctx.deps.host && ctx.deps.host->caught_up();
           nlohmann::json body{{"status", storage && projections ? "ok" : "degraded"},
                               {"storage", {{"healthy", storage}}},
                               {"projections", projections_json(ctx.deps.host)},
                               {"cluster", {{"mode", "single-node"}}}};
           if (ctx.deps.store) {
             const auto& info = ctx.deps.store->info();
             body["storage"]["shards"] = info.shard_count;
             body["storage"]["nodeId"] = info.node_id;
             body["storage"]["events"] = ctx.deps.store->global_head().value();
           }
           if (ctx.deps.engine) body["actors"] = {{"liveEntities", ctx.deps.engine->stats().live_entities}};
           ex->answer({200, "application/json", body.dump(), {}});
         }});

  t.add({"GET", "/metrics", access::open, [&ctx](const exchange_ptr& ex) {
           ex->answer({200, std::string(metrics_content_type), ctx.metrics.render(), {}});
         }});

  t.add({"GET", "/openapi.json", access::open, [](const exchange_ptr& ex) {
           ex->answer({200, "application/json", std::string(openapi_document()), {}});
         }});
}

}  // namespace mercato::http::detail
