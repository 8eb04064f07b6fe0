#pragma once
// The subcommands of `mercato`; each returns an exit code or throws tool_error.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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
};
int events_export(const export_args& a);

int stream_show(const std::filesystem::path& data_dir, const std::string& stream, const std::string& format);
int entity_state(const std::filesystem::path& data_dir, const std::string& stream, const std::string& at,
                 std::optional<std::uint64_t> version);

int node_info(const std::filesystem::path& data_dir, bool json);
int doctor(const std::filesystem::path& data_dir, bool quiet);

int backup_create(const std::filesystem::path& data_dir, const std::filesystem::path& backup_dir);
int backup_list(const std::filesystem::path& backup_dir);
int backup_verify(const std::filesystem::path& backup_dir, std::optional<std::uint32_t> id);
int backup_restore(const std::filesystem::path& backup_dir, std::optional<std::uint32_t> id,
                   const std::filesystem::path& target_dir);

}  // namespace mercato::tool
