#pragma once
// The subcommands of `mercato`; each returns an exit code or throws tool_error.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "node_client.hpp"

namespace mercato::tool {

struct export_args {
  std::filesystem::path data_dir;
  std::string format = "ndjson";  ///< ndjson | csv | capnp
  std::string out = "-";          ///< file, or - for stdout
  bool resume = false;
  std::vector<std::uint32_t> shards;
  std::string stream;
  std::string prefix;
  std::vector<std::string> types;
  std::string since, until;  ///< times as parse_time reads them
  std::uint64_t after_position = 0;
  std::optional<std::uint64_t> to_position;
  bool quiet = false;
  node_target node;  ///< when set: read a live node over HTTP instead of data_dir
};
int events_export(const export_args& a);
/// Follows a live node's feed (SSE) from after `after` (nullopt: new events only),
/// reconnecting after the last id seen; stops after `count` matching events when given,
/// else at Ctrl-C.
int events_tail(const export_args& a, std::optional<std::uint64_t> after, std::optional<std::uint64_t> count);

struct token_args {
  std::string subject;
  std::string role = "admin";
  std::optional<std::uint32_t> minutes;
  std::string config_file;
  std::filesystem::path data_dir;
  std::string profile;
};
/// Prints an access token signed with the node's JWT settings.
int token_issue(const token_args& a);

struct replay_args {
  std::filesystem::path data_dir;
  std::string projection;
  std::string until;  ///< empty: now
  std::string out = "-";
  bool quiet = false;
};
/// A read model folded from zero up to `until` in a scratch copy, dumped as NDJSON.
int replay(const replay_args& a);

int stream_show(const std::filesystem::path& data_dir, const std::string& stream, const std::string& format);
int entity_state(const std::filesystem::path& data_dir, const std::string& stream, const std::string& at,
                 std::optional<std::uint64_t> version);

int node_info(const std::filesystem::path& data_dir, bool json);
int doctor(const std::filesystem::path& data_dir, bool quiet);

int backup_create(const std::filesystem::path& data_dir, const std::filesystem::path& backup_dir);
/// Asks a running node for an online backup into its storage.backup_dir.
int backup_create_node(const node_target& node);

int projections_status_node(const node_target& node, bool json);
int projections_status_offline(const std::filesystem::path& data_dir, bool json);
int projections_rebuild_node(const node_target& node, const std::string& name, bool wait, bool quiet);
int projections_rebuild_offline(const std::filesystem::path& data_dir, const std::string& name, bool quiet);
int backup_list(const std::filesystem::path& backup_dir);
int backup_verify(const std::filesystem::path& backup_dir, std::optional<std::uint32_t> id);
int backup_restore(const std::filesystem::path& backup_dir, std::optional<std::uint32_t> id,
                   const std::filesystem::path& target_dir);

}  // namespace mercato::tool
