// Operator routes (admin role), used by the `mercato` tool against a running node:
//   POST /api/v1/admin/backups                          online backup into storage.backup_dir → 201
//   GET  /api/v1/admin/backups                          the backups there
//   GET  /api/v1/admin/projections                      status of every projection (lag, generation, rebuild)
//   POST /api/v1/admin/projections/{name}/rebuild      rebuild from zero while the old one serves → 202
#include <spdlog/spdlog.h>

#include <mercato/codec/json.hpp>
#include <mercato/eventstore/maintenance.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/host.hpp>

#include "context.hpp"

namespace mercato::http::detail {

namespace {

nlohmann::json backup_json(const es::backup_entry& b) {
  return {{"id", b.id},
          {"takenAt", codec::format_timestamp(b.timestamp_s * 1'000'000'000)},
          {"sizeBytes", b.size_bytes},
          {"files", b.files}};
}

response data_response(int status, nlohmann::json data) {
  return response{status, "application/json", nlohmann::json{{"data", std::move(data)}}.dump(), {}};
}

}  // namespace

nlohmann::json projection_status_json(const projections::projection_status& s) {
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& l : s.lag)
    if (l.events > 0)
      shards.push_back({{"shard", l.shard.value()},
                        {"head", l.head.value()},
                        {"checkpoint", l.checkpoint.value()},
                        {"lagEvents", l.events},
                        {"lagSeconds", static_cast<double>(l.behind_ns) / 1e9}});
  nlohmann::json p{{"name", s.name},
                   {"version", s.version},
                   {"generation", s.serving.generation},
                   {"servingVersion", s.serving.version},
                   {"live", s.live},
                   {"lagEvents", s.lag_events},
                   {"lagSeconds", static_cast<double>(s.lag_ns) / 1e9},
                   {"shardsBehind", std::move(shards)},
                   {"eventsApplied", s.stats.events_applied},
                   {"swaps", s.swaps}};
  if (s.rebuilding)
    p["rebuilding"] = {{"generation", s.rebuilding->target.generation},
                       {"version", s.rebuilding->target.version},
                       {"lagEvents", s.rebuilding->lag_events},
                       {"eventsApplied", s.rebuilding->events_applied}};
  else
    p["rebuilding"] = nullptr;
  if (s.last_error) p["lastError"] = *s.last_error;  // admin only: the operator needs the cause
  return p;
}

void add_admin_routes(route_table& t, api_context& ctx) {
  t.add({"POST", "/api/v1/admin/backups", access::admin, [&ctx](const exchange_ptr& ex) {
           const auto dir = ctx.options.backup_dir;
           if (dir.empty())
             return (void)ex->fail(
                 conflict("No backup directory is configured: set storage.backup_dir "
                          "(MERCATO_STORAGE_BACKUP_DIR) and restart the node.",
                          "backups-not-configured", "Backups are not configured"));
           ctx.workers.post([&ctx, ex, dir] {
             auto id = ctx.deps.store->create_backup(dir);
             if (!id) {
               spdlog::error("online backup into {} failed: {}", dir.string(), id.error().message);
               return (void)ex->fail(service_unavailable("The backup failed; the node's log says why.", 5));
             }
             auto list = es::list_backups(dir);
             nlohmann::json data{{"id", *id}, {"events", ctx.deps.store->global_head().value()}};
             if (list)
               for (const auto& b : *list)
                 if (b.id == *id) data.update(backup_json(b));
             ex->answer(data_response(201, std::move(data)));
           });
         }});

  t.add({"GET", "/api/v1/admin/backups", access::admin, [&ctx](const exchange_ptr& ex) {
           const auto dir = ctx.options.backup_dir;
           if (dir.empty()) return (void)ex->answer(data_response(200, nlohmann::json::array()));
           ctx.workers.post([ex, dir] {
             auto list = es::list_backups(dir);
             auto items = nlohmann::json::array();
             if (list)
               for (const auto& b : *list) items.push_back(backup_json(b));
             ex->answer(data_response(200, std::move(items)));
           });
         }});

  t.add({"GET", "/api/v1/admin/projections", access::admin, [&ctx](const exchange_ptr& ex) {
           if (!ctx.deps.host) return (void)ex->fail(service_unavailable("Projections are not running.", 5));
           auto items = nlohmann::json::array();
           for (const auto& s : ctx.deps.host->status()) items.push_back(projection_status_json(s));
           ex->answer(data_response(200, std::move(items)));
         }});

  t.add({"POST", "/api/v1/admin/projections/{name}/rebuild", access::admin, [&ctx](const exchange_ptr& ex) {
           if (!ctx.deps.host) return (void)ex->fail(service_unavailable("Projections are not running.", 5));
           const auto name = ex->req().param("name");
           auto status = ctx.deps.host->status(name);
           if (!status) return (void)ex->fail(not_found("No projection named " + name + "."));
           auto r = ctx.deps.host->rebuild(name);
           if (!r)
             return (void)ex->fail(conflict(r.error().message, "rebuild-refused", "The rebuild was refused"));
           auto now = ctx.deps.host->status(name);
           ex->answer(data_response(202, projection_status_json(now ? *now : *status)));
         }});
}

}  // namespace mercato::http::detail
