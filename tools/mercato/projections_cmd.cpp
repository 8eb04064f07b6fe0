// projections status|rebuild, backup create --node: the operator commands that go through a
// running node's admin routes, or work on a stopped node's data directory.
#include <chrono>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include <mercato/projections/host.hpp>
#include <mercato/projections/registry.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "node_client.hpp"

namespace mercato::tool {

namespace {

void print_status_table(const nlohmann::json& items) {
  std::printf("%-16s %8s %10s %6s %12s %10s  %s\n", "projection", "version", "generation", "live",
              "lag events", "lag s", "rebuilding");
  for (const auto& p : items) {
    std::string rebuilding = "-";
    if (p.contains("rebuilding") && !p["rebuilding"].is_null())
      rebuilding = "g" + std::to_string(p["rebuilding"]["generation"].get<std::uint64_t>()) + ", " +
                   std::to_string(p["rebuilding"]["lagEvents"].get<std::uint64_t>()) + " events to go";
    std::printf("%-16s %8u %10llu %6s %12llu %10.3f  %s\n", p["name"].get<std::string>().c_str(),
                p["version"].get<unsigned>(),
                static_cast<unsigned long long>(p["generation"].get<std::uint64_t>()),
                p["live"].get<bool>() ? "yes" : "no",
                static_cast<unsigned long long>(p["lagEvents"].get<std::uint64_t>()),
                p.value("lagSeconds", 0.0), rebuilding.c_str());
    if (p.contains("lastError")) std::printf("  error: %s\n", p["lastError"].get<std::string>().c_str());
  }
}

}  // namespace

int projections_status_node(const node_target& node, bool json) {
  auto body = nlohmann::json::parse(node_get(node, "/api/v1/admin/projections"));
  if (json)
    std::printf("%s\n", body["data"].dump().c_str());
  else
    print_status_table(body["data"]);
  return exit_ok;
}

int projections_rebuild_node(const node_target& node, const std::string& name, bool wait, bool quiet) {
  auto started =
      nlohmann::json::parse(node_post(node, "/api/v1/admin/projections/" + name + "/rebuild", 202));
  const auto swaps = started["data"].value("swaps", 0ULL);
  if (!quiet) std::fprintf(stderr, "rebuild of %s started\n", name.c_str());
  if (!wait) return exit_ok;
  progress bar("rebuild " + name, 0, quiet);
  for (;;) {
    if (interrupted.load()) return exit_interrupted;  // the node goes on with it
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto all = nlohmann::json::parse(node_get(node, "/api/v1/admin/projections"));
    for (const auto& p : all["data"]) {
      if (p["name"] != name) continue;
      if (p["rebuilding"].is_null() && p.value("swaps", 0ULL) > swaps) {
        bar.finish(p.value("eventsApplied", 0ULL));
        std::printf("%s rebuilt: generation %llu serves\n", name.c_str(),
                    static_cast<unsigned long long>(p["generation"].get<std::uint64_t>()));
        return exit_ok;
      }
      if (!p["rebuilding"].is_null()) bar.update(p["rebuilding"].value("eventsApplied", 0ULL));
      if (p.contains("lastError"))
        throw tool_error(exit_failure,
                         "the rebuild of " + name + " fails: " + p["lastError"].get<std::string>());
    }
  }
}

int projections_rebuild_offline(const std::filesystem::path& data_dir, const std::string& name, bool quiet) {
  auto store = open_for_writing(data_dir);
  auto host = projections::host::start(*store, projections::read_models());
  if (!host) throw tool_error(exit_failure, host.error().message);
  auto before = (*host)->status(name);
  if (!before)
    throw tool_error(exit_usage, "no read model named " + name + " (see `mercato projections status`)");
  if (auto r = (*host)->rebuild(name); !r) throw tool_error(exit_failure, r.error().message);
  progress bar("rebuild " + name, store->global_head().value(), quiet);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto s = (*host)->status(name);
    if (!s->rebuilding && s->swaps > before->swaps) {
      bar.finish(store->global_head().value());
      std::printf("%s rebuilt: generation %llu serves\n", name.c_str(),
                  static_cast<unsigned long long>(s->serving.generation));
      return exit_ok;
    }
    if (s->rebuilding) bar.update(s->rebuilding->events_applied);
    if (interrupted.load()) {
      std::fprintf(stderr, "mercato: stopped; the rebuild resumes the next time the node starts\n");
      return exit_interrupted;
    }
  }
}

int backup_create_node(const node_target& node) {
  auto body = nlohmann::json::parse(node_post(node, "/api/v1/admin/backups", 201));
  const auto& d = body["data"];
  std::printf("backup %llu of the node at %s created (%llu events)\n",
              static_cast<unsigned long long>(d["id"].get<std::uint64_t>()), node.base_url.c_str(),
              static_cast<unsigned long long>(d.value("events", 0ULL)));
  return exit_ok;
}

}  // namespace mercato::tool

namespace mercato::tool {

namespace {

/// "<version>/<generation>" (host.hpp's generation records).
std::optional<projections::keyspace> read_record(const es::event_store& store, const std::string& key) {
  auto v = store.load_checkpoint(key);
  if (!v) throw tool_error(exit_failure, v.error().message);
  if (!*v) return std::nullopt;
  auto ks = projections::parse_keyspace(**v);
  if (!ks) throw tool_error(exit_corruption, key + " is not <version>/<generation>: " + **v);
  return *ks;
}

std::vector<es::shard_seq> read_checkpoints(const es::event_store& store, const std::string& prefix) {
  auto cps = projections::load_checkpoints(store, prefix);
  if (!cps)
    throw tool_error(cps.error().code == es::store_errc::corruption ? exit_corruption : exit_failure,
                     cps.error().message);
  return std::move(*cps);
}

}  // namespace

int projections_status_offline(const std::filesystem::path& data_dir, bool json) {
  auto store = open_read_only(data_dir);
  std::vector<std::pair<std::string, std::uint32_t>> names;
  for (const auto& p : projections::read_models()) names.emplace_back(std::string(p->name()), p->version());
  names.emplace_back("outbox", 1);
  auto items = nlohmann::json::array();
  for (const auto& [name, code_version] : names) {
    auto active = read_record(*store, "proj/" + name + "/active");
    auto building = read_record(*store, "proj/" + name + "/building");
    nlohmann::json p{{"name", name}, {"version", code_version}, {"live", false}};
    if (!active) {
      p.update({{"generation", 0},
                {"lagEvents", store->global_head().value()},
                {"rebuilding", nullptr},
                {"note", "never built (built from zero when the node starts)"}});
      items.push_back(std::move(p));
      continue;
    }
    const auto prefix = projections::keyspace_prefix(name, *active);
    std::uint64_t lag = 0;
    const auto cps = read_checkpoints(*store, prefix);
    for (std::uint32_t s = 0; s < store->info().shard_count; ++s) {
      const auto head = store->shard_head(es::shard_id{s}).value();
      const auto cp = cps[s].value();
      if (head > cp) lag += head - cp;
    }
    p.update({{"generation", active->generation}, {"servingVersion", active->version}, {"lagEvents", lag}});
    if (active->version != code_version)
      p["note"] = "serving version " + std::to_string(active->version) + "; this release builds version " +
                  std::to_string(code_version) + " when the node starts";
    if (building)
      p["rebuilding"] = {
          {"generation", building->generation}, {"version", building->version}, {"lagEvents", nullptr}};
    else
      p["rebuilding"] = nullptr;
    items.push_back(std::move(p));
  }
  if (json) {
    std::printf("%s\n", items.dump().c_str());
    return exit_ok;
  }
  std::printf("(data directory %s: no node runs these, so nothing is live)\n", data_dir.string().c_str());
  for (auto& p : items)
    if (p["rebuilding"].is_object()) p["rebuilding"]["lagEvents"] = 0;
  print_status_table(items);
  for (const auto& p : items)
    if (p.contains("note"))
      std::printf("  %s: %s\n", p["name"].get<std::string>().c_str(), p["note"].get<std::string>().c_str());
  return exit_ok;
}

}  // namespace mercato::tool
