// mercato replay: a read model as it was at a past instant. The data directory is never
// written: its files are linked (table files, immutable) or copied (the rest) into a
// scratch directory, the projection is folded there from zero up to --until with the
// node's own code (projections::fold_offline), and its keys are written as NDJSON.
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include <mercato/codec/json.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/host.hpp>
#include <mercato/projections/registry.hpp>

#include "cli.hpp"
#include "commands.hpp"

namespace mercato::tool {

namespace {

namespace fs = std::filesystem;

/// Table files are immutable: a hard link is a free, exact copy; everything else (WAL,
/// MANIFEST, OPTIONS, CURRENT, metadata) is copied.
void scratch_copy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) throw tool_error(exit_failure, "cannot create " + to.string() + ": " + ec.message());
  for (const auto& e : fs::directory_iterator(from, ec)) {
    if (!e.is_regular_file()) continue;
    const auto target = to / e.path().filename();
    std::error_code link_ec;
    if (e.path().extension() == ".sst") fs::create_hard_link(e.path(), target, link_ec);
    if (e.path().extension() != ".sst" || link_ec) {
      fs::copy_file(e.path(), target, fs::copy_options::overwrite_existing, ec);
      if (ec) throw tool_error(exit_failure, "cannot copy " + e.path().string() + ": " + ec.message());
    }
  }
  if (ec) throw tool_error(exit_failure, "cannot read " + from.string() + ": " + ec.message());
}

}  // namespace

int replay(const replay_args& a) {
  std::shared_ptr<projections::projection> proj;
  std::string names;
  for (auto& p : projections::read_models()) {
    names += (names.empty() ? "" : ", ") + std::string(p->name());
    if (p->name() == a.projection) proj = p;
  }
  if (!proj)
    throw tool_error(exit_usage, "no read model named '" + a.projection + "' (one of: " + names + ")");
  std::optional<std::int64_t> until;
  if (!a.until.empty()) until = parse_time(a.until, "--until");
  {  // fail on a missing or foreign directory before copying anything
    auto view = open_read_only(a.data_dir);
  }
  const fs::path scratch = a.out == "-"
                               ? fs::temp_directory_path() / ("mercato-replay-" + std::to_string(getpid()))
                               : fs::path(a.out + ".replay-work");
  struct cleanup {
    fs::path p;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } remove_scratch{scratch};
  std::error_code ec;
  fs::remove_all(scratch, ec);
  scratch_copy(a.data_dir, scratch);
  std::unique_ptr<es::event_store> store;
  try {
    store = open_for_writing(scratch);
  } catch (const tool_error& e) {
    throw tool_error(e.code,
                     std::string(e.what()) +
                         " (a directory a node is writing can be caught mid-write: replay a backup or a "
                         "stopped node's directory)");
  }
  const std::string prefix = "replay/" + a.projection + "/";
  if (!a.quiet)
    std::fprintf(stderr, "replaying %s over %llu events...\n", a.projection.c_str(),
                 static_cast<unsigned long long>(store->global_head().value()));
  if (auto r = projections::fold_offline(*store, *proj, prefix, until); !r)
    throw tool_error(r.error().code == es::store_errc::corruption ? exit_corruption : exit_failure,
                     "replaying " + a.projection + ": " + r.error().message);

  std::FILE* out = a.out == "-" ? stdout : std::fopen(a.out.c_str(), "wb");
  if (!out) throw tool_error(exit_failure, "cannot write " + a.out);
  std::string line;
  std::uint64_t keys = 0;
  bool write_failed = false;
  auto scanned = store->scan_projection(
      prefix, projections::prefix_end(prefix), [&](std::string_view key, std::string_view value) {
        const auto relative = key.substr(prefix.size());
        line = "{\"key\":";
        codec::append_json_bytes(line, relative);
        line += ",\"value\":";
        // The model describes its records in the API's JSON shapes; what it cannot describe is
        // shown as stored: JSON as JSON, anything else as {"base64": …}.
        if (auto described = proj->describe(relative, value); !described.empty()) {
          line += described;
        } else if (nlohmann::json::accept(value)) {
          line.append(value);
        } else {
          line += "{\"base64\":\"";
          codec::append_base64(line, value);
          line += "\"}";
        }
        line += "}\n";
        ++keys;
        if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) write_failed = true;
        return !write_failed && !interrupted.load();
      });
  const bool closed_ok = (out == stdout ? std::fflush(out) : std::fclose(out)) == 0;
  if (!scanned) throw tool_error(exit_failure, scanned.error().message);
  if (write_failed || !closed_ok) throw tool_error(exit_failure, "writing " + a.out + " failed");
  if (interrupted.load()) return exit_interrupted;
  if (!a.quiet)
    std::fprintf(stderr, "%s as of %s: %llu keys written to %s\n", a.projection.c_str(),
                 until ? codec::format_timestamp(*until).c_str() : "now",
                 static_cast<unsigned long long>(keys), a.out.c_str());
  return exit_ok;
}

}  // namespace mercato::tool
