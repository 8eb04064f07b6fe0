// mercatod: one Mercato node. Opens its data directory, serves HTTP, stops cleanly on
// SIGTERM/SIGINT.
//
// Exit codes: 0 clean stop; 1 start-up failure (storage, listen address); 2 bad
// command line or configuration.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <mercato/actors/engine.hpp>
#include <mercato/config/config.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/http/jwt.hpp>
#include <mercato/http/server.hpp>
#include <mercato/projections/host.hpp>
#include <mercato/projections/outbox.hpp>
#include <mercato/projections/registry.hpp>

#include "demo_data.hpp"
#include "logging.hpp"

extern char** environ;

namespace {

using namespace mercato;

constexpr const char* version_text = "mercatod 0.1.0";

es::store_options store_options_from(const config::node_config& c) {
  es::store_options o;
  o.data_dir = c.data_dir;
  o.node_id = c.node.id;
  o.shard_count = c.storage.shards;
  o.mode =
      c.storage.durability == config::durability_mode::sync ? es::durability::sync : es::durability::async;
  o.max_batch_requests = c.storage.max_batch_requests;
  o.write_queue_limit = c.storage.write_queue_limit;
  o.stream_cache_entries = c.storage.stream_cache_entries;
  return o;
}

/// The Argon2id cost of new hashes: the engine hashes registrations with it, login re-hashes
/// stored hashes made with other parameters.
domain::pwhash_limits password_limits_from(const config::node_config& c) {
  return {c.auth.argon2.passes, std::size_t{c.auth.argon2.memory_kib} * 1024U, c.auth.argon2.lanes};
}

projections::deliverer_options outbox_options_from(const config::node_config& c) {
  projections::deliverer_options o;
  o.webhook_urls = c.notifications.webhook_urls;
  o.secret = c.notifications.webhook_secret;
  o.max_attempts = c.notifications.max_attempts;
  o.backoff_initial = c.notifications.backoff_initial_ms;
  o.backoff_max = c.notifications.backoff_max_ms;
  o.timeout = c.notifications.timeout_ms;
  o.on_parked = [](const projections::outbox_record& r) {
    spdlog::warn("webhook delivery {} to {} parked after {} attempts: {}", r.id, r.url, r.attempts,
                 r.last_error);
  };
  return o;
}

int run(const config::node_config& cfg, const sigset_t& stop_signals) {
  spdlog::info("mercatod starting: {}", config::describe(cfg));
  if (cfg.storage.durability == config::durability_mode::async)
    spdlog::warn(
        "storage.durability=async: appends are acknowledged before they are fsynced "
        "and can be lost on power failure; use only for benchmarks");

  auto store = es::event_store::open(store_options_from(cfg));
  if (!store) {
    spdlog::error("cannot open data directory {}: {}", cfg.data_dir.string(), store.error().message);
    return 1;
  }
  const auto& info = (*store)->info();
  spdlog::info("data directory {} open: format {}, node {}, {} shards, {} events", cfg.data_dir.string(),
               info.format_version, info.node_id, info.shard_count, (*store)->global_head().value());

  actors::engine_options eo;
  eo.passivate_after = cfg.actors.passivate_after_seconds;
  eo.snapshot_every = cfg.actors.snapshot_every;
  eo.cart.max_line_quantity = cfg.actors.max_line_quantity;
  eo.password = password_limits_from(cfg);
  auto engine = actors::engine::start(**store, eo);
  if (!engine) {
    spdlog::error("cannot start the actor runtime: {}", engine.error());
    return 1;
  }
  if (cfg.profile == config::run_profile::dev) {
    auto demo = demo::seed_demo_data(**store, **engine);
    if (!demo) {
      spdlog::error("cannot create the demo data: {}", demo.error());
      return 1;
    }
    if (demo->seeded)
      spdlog::info("demo data created: {} products (prod-001…), customer test@example.com / Password123!",
                   demo->products);
  }

  auto secret = http::resolve_jwt_secret(cfg.auth, cfg.profile, cfg.data_dir);
  if (!secret) {
    spdlog::error("{}", secret.error());
    return 1;
  }
  if (!secret->warning.empty()) spdlog::warn("{}", secret->warning);

  projections::host_options hopts;
  // Read-model batches are committed without their own fsync: each is one atomic write
  // (every model's changes + checkpoints), so a crash loses at most a suffix of batches,
  // which are re-read from the log — still exactly-once — and the writer's next synced
  // append makes them durable anyway. An fsync per batch would compete with the appends.
  hopts.runner.commit_mode = es::durability::async;
  // The notification outbox runs beside the read models, in the same shared runner
  // (docs/webhooks.md); never rebuild it.
  auto hosted = projections::read_models();
  hosted.push_back(std::make_shared<projections::outbox_projection>(cfg.notifications.webhook_urls));
  auto host = projections::host::start(**store, std::move(hosted), hopts);
  if (!host) {
    spdlog::error("cannot start the projections: {}", host.error().message);
    return 1;
  }
  auto outbox = projections::outbox_deliverer::start(
      **store, (*host)->active_prefix(projections::outbox_projection::projection_name),
      outbox_options_from(cfg));
  if (!outbox) {
    spdlog::error("cannot start webhook delivery: {}", outbox.error().message);
    return 1;
  }
  if (cfg.notifications.webhook_urls.empty())
    spdlog::info("notifications.webhook_urls is empty: notifications are not delivered to webhooks");
  else
    spdlog::info("delivering notifications to {} webhook URL(s)", cfg.notifications.webhook_urls.size());

  http::server_options ho;
  ho.host = cfg.listen.host;
  ho.port = cfg.listen.port;
  ho.threads = cfg.http.threads;
  ho.max_request_bytes = cfg.http.max_request_bytes;
  ho.keepalive_timeout = cfg.http.keepalive_timeout_seconds;
  http::api_options api;
  api.request_timeout = cfg.http.request_timeout_ms;
  api.jwt = http::jwt_settings_from(cfg.auth, secret->secret);
  api.rate_limit = http::rate_limit_options_from(cfg);
  api.cors = http::cors_options_from(cfg);
  api.payment_webhook_secret = cfg.payments.webhook_secret;
  api.backup_dir = cfg.storage.backup_dir;
  api.password = password_limits_from(cfg);
  api.verify_threads = cfg.auth.verify.threads;
  api.verify_queue_length = cfg.auth.verify.queue_length;
  api.credential_cache = http::credential_cache_options_from(cfg);
  auto server = http::server::start(ho, {store->get(), engine->get(), host->get()}, std::move(api));
  if (!server) {
    spdlog::error("{}", server.error());
    return 1;
  }
  spdlog::info("listening on http://{}:{}", cfg.listen.host, (*server)->port());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, stopping: finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->shutdown();  // new requests get 503; in-flight ones are answered; then closes
  server->reset();
  engine->reset();  // lets in-flight commands finish, stops the actors
  outbox->reset();  // aborts POSTs in flight (their deliveries stay due)
  host->reset();    // stops the projection runners (a batch commits whole or not at all)
  store->reset();   // drains the writer's queue, then closes RocksDB
  spdlog::info("mercatod stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only sigwait() sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  CLI::App app{"mercatod: a Mercato commerce engine node"};
  std::string config_file, data_dir, listen, profile;
  app.add_option("--config", config_file, "YAML configuration file")->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir, "data directory (created when empty) [MERCATO_DATA_DIR]");
  app.add_option("--listen", listen, "HTTP address HOST:PORT, port 0 = any free port [MERCATO_LISTEN]");
  app.add_option("--profile", profile, "dev | prod | bench [MERCATO_PROFILE]");
  app.set_version_flag("--version", version_text);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  config::load_inputs in;
  if (!config_file.empty()) in.file = config_file;
  in.env = config::environment_from(environ);
  if (!data_dir.empty()) in.overrides["data_dir"] = data_dir;
  if (!listen.empty()) in.overrides["listen"] = listen;
  if (!profile.empty()) in.overrides["profile"] = profile;
  auto cfg = config::load_with_warnings(in);
  if (!cfg) {
    std::cerr << "mercatod: configuration error: " << cfg.error().message << "\n";
    return 2;
  }
  node::setup_logging(cfg->config.log.level, cfg->config.log.format);
  for (const auto& w : cfg->warnings) spdlog::warn("configuration: {}", w.message);
  return run(cfg->config, stop_signals);
}
