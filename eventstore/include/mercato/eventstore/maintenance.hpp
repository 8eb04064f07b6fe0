#pragma once
// Backups at rest and data-directory facts for operators (the `mercato` tool). Creating a
// backup needs an open store (event_store::create_backup); everything here works on
// directories alone, without a node running.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <mercato/eventstore/types.hpp>

namespace mercato::es {

struct backup_entry {
  std::uint32_t id = 0;
  std::int64_t timestamp_s = 0;  ///< when it was taken, seconds since the Unix epoch
  std::uint64_t size_bytes = 0;  ///< bytes of its files (shared files counted in each)
  std::uint32_t files = 0;
};

/// The backups in `backup_dir`, oldest first. not_found when it holds no backup engine data.
store_result<std::vector<backup_entry>> list_backups(const std::filesystem::path& backup_dir);
/// Re-reads every file of backup `id` and checks size and checksum.
store_result<ok_t> verify_backup(const std::filesystem::path& backup_dir, std::uint32_t id);
/// Restores backup `id` into `target_dir`, which must not exist or be empty (never
/// overwrites a data directory).
store_result<ok_t> restore_backup(const std::filesystem::path& backup_dir, std::uint32_t id,
                                  const std::filesystem::path& target_dir);

/// Bytes of all regular files under `dir` (what the data directory uses on disk).
std::uint64_t directory_bytes(const std::filesystem::path& dir);

}  // namespace mercato::es
