// mercato: the analysts' and operators' tool. Works on a data directory (read-only for
// everything that only reads, so also beside a running node or on a copy) — see
// tools/README.md.
//
// Exit codes: 0 done; 1 the work could not be done (missing directory, I/O, not found);
// 2 bad command line; 3 corrupted data found; 130 interrupted (Ctrl-C), stopped cleanly.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "commands.hpp"

using namespace mercato::tool;

namespace {

constexpr const char* exit_codes_text =
    "Exit codes: 0 done; 1 the work could not be done (missing directory, I/O, not found); "
    "2 bad command line; 3 corrupted data found; 130 interrupted (Ctrl-C), stopped cleanly.";

CLI::Option* data_dir_option(CLI::App* app, std::filesystem::path& dir) {
  return app
      ->add_option("-d,--data-dir", dir, "Mercato data directory (opened read-only unless said otherwise)")
      ->required()
      ->envname("MERCATO_DATA_DIR");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mercato — export, inspect, time-travel and back up Mercato event logs"};
  app.footer(exit_codes_text);
  app.set_version_flag("--version", "mercato 0.1.0");
  app.require_subcommand(1);
  int rc = exit_ok;
  std::function<int()> run;

  // ---- events ------------------------------------------------------------------------------
  auto* events = app.add_subcommand("events", "Read the event log");
  events->require_subcommand(1);
  export_args ex;
  auto* exp = events->add_subcommand(
      "export", "Export events in log order (a consistent point-in-time view, also beside a running node)");
  auto* exp_dir = exp->add_option("-d,--data-dir", ex.data_dir, "Data directory to read (read-only)")
                      ->envname("MERCATO_DATA_DIR");
  auto* exp_node =
      exp->add_option("--node", ex.node.base_url, "Read a live node instead, e.g. http://127.0.0.1:8080")
          ->excludes(exp_dir);
  exp->add_option("--token", ex.node.token, "Admin bearer token for --node")->envname("MERCATO_TOKEN");
  (void)exp_node;
  exp->add_option("-f,--format", ex.format,
                  "ndjson (one JSON object per line), csv (header row), capnp "
                  "(a stream of Envelope messages: capnp decode schemas/envelope.capnp Envelope)")
      ->check(CLI::IsMember({"ndjson", "csv", "capnp"}));
  exp->add_option("-o,--out", ex.out, "Output file, - for stdout")->capture_default_str();
  exp->add_flag("--resume", ex.resume,
                "Continue an earlier export into --out from the last position it wrote");
  exp->add_option("--shard", ex.shards, "Only these shards (repeatable)");
  exp->add_option("--stream", ex.stream, "Only this stream, e.g. cart/u-123");
  exp->add_option("--prefix", ex.prefix,
                  "Only streams with this prefix or entity kind, e.g. order or order/");
  exp->add_option("--type", ex.types, "Only these event types (repeatable), e.g. OrderPlaced")
      ->delimiter(',');
  exp->add_option("--since", ex.since, "Only events committed at or after TIME (RFC 3339, date, @unix)");
  exp->add_option("--until", ex.until, "Only events committed at or before TIME");
  exp->add_option("--after-position", ex.after_position, "Only events after this global position");
  exp->add_option("--to-position", ex.to_position, "Stop after this global position (inclusive)");
  exp->add_flag("-q,--quiet", ex.quiet, "No progress output");
  exp->callback([&] {
    if (ex.data_dir.empty() && ex.node.base_url.empty())
      throw CLI::ValidationError("events export", "give --data-dir DIR or --node URL");
    run = [&] { return events_export(ex); };
  });

  export_args tl;
  std::optional<std::uint64_t> tail_count, tail_after;
  auto* tail = events->add_subcommand(
      "tail",
      "Follow new events of a live node (Server-Sent Events), reconnecting without gaps or duplicates");
  tail->add_option("--node", tl.node.base_url, "The node, e.g. http://127.0.0.1:8080")
      ->required()
      ->envname("MERCATO_NODE");
  tail->add_option("--token", tl.node.token, "Admin bearer token")->envname("MERCATO_TOKEN");
  tail->add_option("-f,--format", tl.format, "ndjson or csv")->check(CLI::IsMember({"ndjson", "csv"}));
  tail->add_option("--after-position", tail_after,
                   "Start after this global position, 0 = from the first event "
                   "(default: new events only)");
  tail->add_option("--shard", tl.shards, "Only these shards (repeatable)");
  tail->add_option("--stream", tl.stream, "Only this stream");
  tail->add_option("--prefix", tl.prefix, "Only streams with this prefix or entity kind");
  tail->add_option("--type", tl.types, "Only these event types")->delimiter(',');
  tail->add_option("--count", tail_count, "Stop after this many matching events");
  tail->add_flag("-q,--quiet", tl.quiet, "No reconnection messages");
  tail->callback([&] { run = [&] { return events_tail(tl, tail_after, tail_count); }; });

  // ---- stream / entity ---------------------------------------------------------------------
  std::filesystem::path dir;
  std::string stream, format = "table", at;
  std::optional<std::uint64_t> version;
  auto* stream_cmd = app.add_subcommand("stream", "One stream");
  stream_cmd->require_subcommand(1);
  auto* show = stream_cmd->add_subcommand("show", "The events of one stream, oldest first");
  data_dir_option(show, dir);
  show->add_option("stream", stream, "Stream id, e.g. order/o-42")->required();
  show->add_option("-f,--format", format, "table or ndjson")->check(CLI::IsMember({"table", "ndjson"}));
  show->callback([&] { run = [&] { return stream_show(dir, stream, format); }; });

  auto* entity = app.add_subcommand("entity", "Entities");
  entity->require_subcommand(1);
  auto* state = entity->add_subcommand(
      "state",
      "An entity's state now or at any past instant or version, rebuilt with the node's domain code");
  data_dir_option(state, dir);
  state->add_option("stream", stream, "Entity stream id, e.g. cart/u-123")->required();
  auto* at_opt = state->add_option("--at", at, "The state as of TIME (RFC 3339, date, @unix)");
  state->add_option("--version", version, "The state right after this stream version")->excludes(at_opt);
  state->callback([&] { run = [&] { return entity_state(dir, stream, at, version); }; });

  // ---- node / doctor -----------------------------------------------------------------------
  bool json = false, quiet = false;
  auto* node = app.add_subcommand("node", "The node's data directory");
  node->require_subcommand(1);
  auto* info = node->add_subcommand("info", "Format version, shards, event counts, disk use");
  data_dir_option(info, dir);
  info->add_flag("--json", json, "Print JSON");
  info->callback([&] { run = [&] { return node_info(dir, json); }; });

  auto* doc = app.add_subcommand("doctor",
                                 "Check a data directory: checksums, sequences, stream versions, envelopes");
  data_dir_option(doc, dir);
  doc->add_flag("-q,--quiet", quiet, "No progress output");
  doc->callback([&] { run = [&] { return doctor(dir, quiet); }; });

  // ---- backup ------------------------------------------------------------------------------
  std::filesystem::path backup_dir, target;
  std::optional<std::uint32_t> backup_id;
  auto* backup = app.add_subcommand("backup", "Backups (RocksDB backup engine: incremental, checksummed)");
  backup->require_subcommand(1);
  node_target backup_node;
  auto* create = backup->add_subcommand(
      "create",
      "Back up a running node (--node: into its storage.backup_dir) or a stopped node's directory (-d, -b)");
  auto* create_dir = create->add_option("-d,--data-dir", dir, "Data directory of a stopped node");
  create->add_option("-b,--backup-dir", backup_dir, "Backup directory (created if missing), with -d");
  create->add_option("--node", backup_node.base_url, "A running node, e.g. http://127.0.0.1:8080")
      ->excludes(create_dir);
  create->add_option("--token", backup_node.token, "Admin bearer token for --node")->envname("MERCATO_TOKEN");
  create->callback([&] {
    if (!backup_node.base_url.empty()) {
      run = [&] { return backup_create_node(backup_node); };
      return;
    }
    if (dir.empty() || backup_dir.empty())
      throw CLI::ValidationError("backup create", "give --node URL, or --data-dir DIR with --backup-dir DIR");
    run = [&] { return backup_create(dir, backup_dir); };
  });
  auto* list = backup->add_subcommand("list", "The backups in a backup directory");
  list->add_option("-b,--backup-dir", backup_dir, "Backup directory")->required();
  list->callback([&] { run = [&] { return backup_list(backup_dir); }; });
  auto* verify = backup->add_subcommand("verify", "Re-read backups and check sizes and checksums");
  verify->add_option("-b,--backup-dir", backup_dir, "Backup directory")->required();
  verify->add_option("--id", backup_id, "Only this backup (default: all)");
  verify->callback([&] { run = [&] { return backup_verify(backup_dir, backup_id); }; });
  auto* restore = backup->add_subcommand("restore", "Restore a backup into a new or empty directory");
  restore->add_option("-b,--backup-dir", backup_dir, "Backup directory")->required();
  restore->add_option("--id", backup_id, "Backup id (default: the latest)");
  restore->add_option("-t,--to", target, "Target data directory (must not exist or be empty)")->required();
  restore->callback([&] { run = [&] { return backup_restore(backup_dir, backup_id, target); }; });

  // ---- projections ---------------------------------------------------------------------------
  node_target proj_node;
  std::string proj_name;
  bool proj_wait = false;
  auto* projections = app.add_subcommand("projections", "Read models: status and rebuilds");
  projections->require_subcommand(1);
  auto* pstatus = projections->add_subcommand("status", "Generation, lag and rebuild of every projection");
  auto* pstatus_dir = pstatus->add_option("-d,--data-dir", dir, "Data directory (read-only)");
  pstatus->add_option("--node", proj_node.base_url, "A running node instead")->excludes(pstatus_dir);
  pstatus->add_option("--token", proj_node.token, "Admin bearer token for --node")->envname("MERCATO_TOKEN");
  pstatus->add_flag("--json", json, "Print JSON");
  pstatus->callback([&] {
    if (!proj_node.base_url.empty()) {
      run = [&] { return projections_status_node(proj_node, json); };
      return;
    }
    if (dir.empty()) throw CLI::ValidationError("projections status", "give --data-dir DIR or --node URL");
    run = [&] { return projections_status_offline(dir, json); };
  });
  auto* prebuild = projections->add_subcommand(
      "rebuild",
      "Rebuild a read model from zero while the old one serves, then swap (a running node with --node; "
      "a stopped node's directory with -d)");
  prebuild->add_option("name", proj_name, "Projection name, e.g. catalog")->required();
  auto* prebuild_dir = prebuild->add_option("-d,--data-dir", dir, "Data directory of a stopped node");
  prebuild->add_option("--node", proj_node.base_url, "A running node instead")->excludes(prebuild_dir);
  prebuild->add_option("--token", proj_node.token, "Admin bearer token for --node")->envname("MERCATO_TOKEN");
  prebuild->add_flag("--wait", proj_wait, "With --node: wait until the new generation serves");
  prebuild->add_flag("-q,--quiet", quiet, "No progress output");
  prebuild->callback([&] {
    if (!proj_node.base_url.empty()) {
      run = [&] { return projections_rebuild_node(proj_node, proj_name, proj_wait, quiet); };
      return;
    }
    if (dir.empty()) throw CLI::ValidationError("projections rebuild", "give --data-dir DIR or --node URL");
    run = [&] { return projections_rebuild_offline(dir, proj_name, quiet); };
  });

  // ---- replay ------------------------------------------------------------------------------
  replay_args rp;
  auto* rep = app.add_subcommand("replay",
                                 "A read model as it was at a past instant (folded from zero in a scratch "
                                 "copy; the directory is not written)");
  rep->add_option("-d,--data-dir", rp.data_dir, "Data directory (a backup or a stopped node's)")
      ->required()
      ->envname("MERCATO_DATA_DIR");
  rep->add_option("-p,--projection", rp.projection, "Read model, e.g. catalog")->required();
  rep->add_option("--until", rp.until, "Only events committed at or before TIME (default: all)");
  rep->add_option("-o,--out", rp.out, "NDJSON output file, - for stdout (one line per key)")
      ->capture_default_str();
  rep->add_flag("-q,--quiet", rp.quiet, "No progress output");
  rep->callback([&] { run = [&] { return replay(rp); }; });

  // ---- token -------------------------------------------------------------------------------
  token_args tk;
  auto* token = app.add_subcommand("token", "Access tokens for the node's HTTP API");
  token->require_subcommand(1);
  auto* issue = token->add_subcommand(
      "issue",
      "Print a bearer token signed with the node's JWT settings (same config, env and flags as mercatod)");
  issue->add_option("--sub", tk.subject, "The token's subject (user id)")->required();
  issue->add_option("--role", tk.role, "admin or customer")->check(CLI::IsMember({"admin", "customer"}));
  issue->add_option("--minutes", tk.minutes, "Lifetime (default: auth.jwt_expiration_minutes)");
  issue->add_option("--config", tk.config_file, "The node's YAML configuration");
  issue->add_option("-d,--data-dir", tk.data_dir, "The node's data directory (dev keeps its secret there)");
  issue->add_option("--profile", tk.profile, "dev | prod | bench");
  issue->callback([&] { run = [&] { return token_issue(tk); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }
  install_interrupt_handlers();
  try {
    rc = run ? run() : exit_usage;
  } catch (const tool_error& e) {
    std::fprintf(stderr, "mercato: %s\n", e.what());
    return e.code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mercato: %s\n", e.what());
    return exit_failure;
  }
  return rc;
}
