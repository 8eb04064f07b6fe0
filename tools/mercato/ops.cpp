// node info, doctor, backup create|list|verify|restore.
#include <cstdio>
#include <map>
#include <unordered_map>

#include <mercato/codec/codec.hpp>
#include <mercato/codec/json.hpp>
#include <mercato/eventstore/envelope.hpp>
#include <mercato/eventstore/maintenance.hpp>
#include <mercato/eventstore/store.hpp>

#include "cli.hpp"
#include "commands.hpp"

namespace mercato::tool {

namespace fs = std::filesystem;

int node_info(const fs::path& data_dir, bool json) {
  auto store = open_read_only(data_dir);
  const auto& info = store->info();
  std::uint64_t events = 0;
  std::vector<std::uint64_t> heads;
  for (std::uint32_t s = 0; s < info.shard_count; ++s) {
    heads.push_back(store->shard_head(es::shard_id{s}).value());
    events += heads.back();
  }
  const auto bytes = es::directory_bytes(data_dir);
  if (json) {
    std::string out = "{\"dataDir\":";
    codec::append_json_string(out, data_dir.string());
    out += ",\"formatVersion\":" + std::to_string(info.format_version) + ",\"nodeId\":";
    codec::append_json_string(out, info.node_id);
    out += ",\"shards\":" + std::to_string(info.shard_count) + ",\"createdAt\":\"" +
           codec::format_timestamp(info.created_at_ns) + "\",\"events\":" + std::to_string(events) +
           ",\"globalPosition\":" + std::to_string(store->global_head().value()) +
           ",\"diskBytes\":" + std::to_string(bytes) + ",\"shardHeads\":[";
    for (std::size_t i = 0; i < heads.size(); ++i) out += (i ? "," : "") + std::to_string(heads[i]);
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return exit_ok;
  }
  std::printf("data directory  %s\n", data_dir.string().c_str());
  std::printf("format version  %u\n", info.format_version);
  std::printf("node id         %s\n", info.node_id.c_str());
  std::printf("shards          %u\n", info.shard_count);
  std::printf("created         %s\n", codec::format_timestamp(info.created_at_ns).c_str());
  std::printf("events          %llu (global position %llu)\n", static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(store->global_head().value()));
  std::printf("disk use        %.1f MiB (%llu bytes)\n", static_cast<double>(bytes) / (1024.0 * 1024.0),
              static_cast<unsigned long long>(bytes));
  return exit_ok;
}

int doctor(const fs::path& data_dir, bool quiet) {
  std::unique_ptr<es::event_store> store;
  try {
    store = open_read_only(data_dir);
  } catch (const tool_error& e) {
    // Refusing to open is a finding of its own: say so as a doctor would.
    std::fprintf(stderr, "doctor: cannot open %s: %s\n", data_dir.string().c_str(), e.what());
    return e.code == exit_failure && fs::exists(data_dir) ? exit_corruption : e.code;
  }
  std::vector<std::string> problems;
  auto problem = [&](std::string p) {
    if (problems.size() < 50) std::fprintf(stderr, "doctor: %s\n", p.c_str());
    problems.push_back(std::move(p));
  };
  if (!quiet) std::fprintf(stderr, "doctor: verifying block checksums of every table file...\n");
  if (auto v = store->verify_checksums(); !v) problem(v.error().message);

  const auto& info = store->info();
  std::uint64_t total = 0;
  for (std::uint32_t s = 0; s < info.shard_count; ++s) total += store->shard_head(es::shard_id{s}).value();
  progress bar("doctor", total, quiet);
  std::unordered_map<std::string, std::uint64_t> versions;  // stream → last version seen
  std::uint64_t checked = 0;
  for (std::uint32_t s = 0; s < info.shard_count && !interrupted.load(); ++s) {
    const es::shard_id shard{s};
    std::uint64_t expect = 1;
    for (;;) {
      auto page = store->read_shard(shard, es::shard_seq{expect - 1}, 4096);
      if (!page) {
        problem("shard " + std::to_string(s) + " after sequence " + std::to_string(expect - 1) + ": " +
                page.error().message);
        break;
      }
      if (page->empty()) break;
      for (const auto& e : *page) {
        if (e.pos.seq.value() != expect)
          problem("shard " + std::to_string(s) + ": sequence jumps from " + std::to_string(expect - 1) +
                  " to " + std::to_string(e.pos.seq.value()));
        expect = e.pos.seq.value() + 1;
        try {
          es::envelope_reader r(e);
          auto env = r.envelope();
          if (env.getShard() != s || env.getSequence() != e.pos.seq.value())
            problem("shard " + std::to_string(s) + " sequence " + std::to_string(e.pos.seq.value()) +
                    ": the envelope says shard " + std::to_string(env.getShard()) + " sequence " +
                    std::to_string(env.getSequence()));
          if (auto d = codec::decode_event(e); !d)
            problem(e.stream + " v" + std::to_string(e.version.value()) + " (" + e.type +
                    "): " + d.error().message);
        } catch (const std::exception& ex) {
          problem(e.stream + " v" + std::to_string(e.version.value()) + ": unreadable envelope");
        }
        auto& last = versions[e.stream];
        if (e.version.value() != last + 1)
          problem(e.stream + ": version " + std::to_string(e.version.value()) + " follows version " +
                  std::to_string(last));
        last = e.version.value();
        ++checked;
      }
      bar.update(checked);
      if (interrupted.load()) break;
    }
    if (store->shard_head(shard).value() != expect - 1)
      problem("shard " + std::to_string(s) + ": head says " +
              std::to_string(store->shard_head(shard).value()) + " but the last event read is " +
              std::to_string(expect - 1));
  }
  bar.finish(checked);
  if (interrupted.load()) return exit_interrupted;
  for (const auto& [stream, last] : versions) {
    auto id = es::stream_id::make(stream);
    if (!id) {
      problem("invalid stream id in the log: " + stream);
      continue;
    }
    auto head = store->stream_head(*id);
    if (!head)
      problem(stream + ": " + head.error().message);
    else if (head->value() != last)
      problem(stream + ": the stream index says version " + std::to_string(head->value()) +
              ", the log holds " + std::to_string(last));
  }
  if (!problems.empty()) {
    std::fprintf(stderr, "doctor: %zu problem(s) found in %s\n", problems.size(), data_dir.string().c_str());
    return exit_corruption;
  }
  std::printf(
      "ok: %llu events in %u shards, %zu streams; checksums, sequences, versions and envelopes verified\n",
      static_cast<unsigned long long>(checked), info.shard_count, versions.size());
  return exit_ok;
}

int backup_create(const fs::path& data_dir, const fs::path& backup_dir) {
  auto store = open_for_writing(data_dir);
  auto id = store->create_backup(backup_dir);
  if (!id) throw tool_error(exit_failure, id.error().message);
  std::printf("backup %u of %s created in %s (%llu events)\n", *id, data_dir.string().c_str(),
              backup_dir.string().c_str(), static_cast<unsigned long long>(store->global_head().value()));
  return exit_ok;
}

int backup_list(const fs::path& backup_dir) {
  auto list = es::list_backups(backup_dir);
  if (!list) throw tool_error(exit_failure, list.error().message);
  std::printf("%-6s %-30s %12s %6s\n", "id", "taken", "bytes", "files");
  for (const auto& b : *list)
    std::printf("%-6u %-30s %12llu %6u\n", b.id,
                codec::format_timestamp(b.timestamp_s * 1'000'000'000).c_str(),
                static_cast<unsigned long long>(b.size_bytes), b.files);
  return exit_ok;
}

namespace {
std::uint32_t latest_backup(const fs::path& backup_dir) {
  auto list = es::list_backups(backup_dir);
  if (!list) throw tool_error(exit_failure, list.error().message);
  if (list->empty()) throw tool_error(exit_failure, "no backups in " + backup_dir.string());
  return list->back().id;
}
}  // namespace

int backup_verify(const fs::path& backup_dir, std::optional<std::uint32_t> id) {
  std::vector<std::uint32_t> ids;
  if (id) {
    ids.push_back(*id);
  } else {
    auto list = es::list_backups(backup_dir);
    if (!list) throw tool_error(exit_failure, list.error().message);
    for (const auto& b : *list) ids.push_back(b.id);
    if (ids.empty()) throw tool_error(exit_failure, "no backups in " + backup_dir.string());
  }
  int rc = exit_ok;
  for (auto i : ids) {
    if (auto v = es::verify_backup(backup_dir, i); !v) {
      std::fprintf(stderr, "backup %u: %s\n", i, v.error().message.c_str());
      rc = v.error().code == es::store_errc::not_found ? exit_failure : exit_corruption;
    } else {
      std::printf("backup %u: ok (sizes and checksums verified)\n", i);
    }
  }
  return rc;
}

int backup_restore(const fs::path& backup_dir, std::optional<std::uint32_t> id, const fs::path& target_dir) {
  const auto which = id ? *id : latest_backup(backup_dir);
  if (auto r = es::restore_backup(backup_dir, which, target_dir); !r)
    throw tool_error(r.error().code == es::store_errc::corruption ? exit_corruption : exit_failure,
                     r.error().message);
  std::printf("backup %u restored into %s\n", which, target_dir.string().c_str());
  return exit_ok;
}

}  // namespace mercato::tool
