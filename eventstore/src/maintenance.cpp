// Backups (RocksDB BackupEngine) and checksum verification.
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include <mercato/eventstore/maintenance.hpp>
#include <mercato/eventstore/store.hpp>

#include "store_impl.hpp"

namespace mercato::es {

namespace {

namespace fs = std::filesystem;

store_error rocks_error(const rocksdb::Status& s, const std::string& what) {
  return store_error{s.IsCorruption() ? store_errc::corruption
                     : s.IsNotFound() ? store_errc::not_found
                                      : store_errc::io_error,
                     what + ": " + s.ToString()};
}

/// Opens the backup engine on `dir`; read-only unless `create`.
store_result<std::unique_ptr<rocksdb::BackupEngine>> open_engine(const fs::path& dir, bool create) {
  std::error_code ec;
  if (!create && !fs::exists(dir / "meta", ec))
    return fail(store_error{
        store_errc::not_found,
        "no backups at " + dir.string() + " (expected a directory made by `mercato backup create`)"});
  rocksdb::BackupEngineOptions o(dir.string());
  o.sync = true;
  o.share_files_with_checksum = true;
  rocksdb::BackupEngine* raw = nullptr;
  auto s = rocksdb::BackupEngine::Open(rocksdb::Env::Default(), o, &raw);
  if (!s.ok()) return fail(rocks_error(s, "opening backups at " + dir.string()));
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

}  // namespace

store_result<std::uint32_t> event_store::create_backup(const fs::path& backup_dir) const {
  if (impl_->options.read_only)
    return fail(store_error{store_errc::invalid_argument,
                            "a backup needs the data directory open for writing (it flushes the "
                            "memtables); stop the node or back up through it"});
  auto engine = open_engine(backup_dir, true);
  if (!engine) return fail(engine.error());
  rocksdb::CreateBackupOptions co;
  co.flush_before_backup = true;  // no WAL copying: the backup holds table files only
  rocksdb::BackupID id = 0;
  auto s = (*engine)->CreateNewBackup(co, impl_->db.get(), &id);
  if (!s.ok()) return fail(rocks_error(s, "creating a backup in " + backup_dir.string()));
  return static_cast<std::uint32_t>(id);
}

store_result<ok_t> event_store::verify_checksums() const {
  auto s = impl_->db->VerifyChecksum();
  if (!s.ok()) return fail(rocks_error(s, "verifying " + impl_->options.data_dir.string()));
  return ok_t{};
}

store_result<std::vector<backup_entry>> list_backups(const fs::path& backup_dir) {
  auto engine = open_engine(backup_dir, false);
  if (!engine) return fail(engine.error());
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos);
  std::vector<backup_entry> out;
  for (const auto& i : infos) out.push_back({i.backup_id, i.timestamp, i.size, i.number_files});
  return out;
}

store_result<ok_t> verify_backup(const fs::path& backup_dir, std::uint32_t id) {
  auto engine = open_engine(backup_dir, false);
  if (!engine) return fail(engine.error());
  auto s = (*engine)->VerifyBackup(id, /*verify_with_checksum=*/true);
  if (!s.ok()) return fail(rocks_error(s, "backup " + std::to_string(id) + " in " + backup_dir.string()));
  return ok_t{};
}

store_result<ok_t> restore_backup(const fs::path& backup_dir, std::uint32_t id, const fs::path& target_dir) {
  std::error_code ec;
  if (fs::exists(target_dir, ec) && !fs::is_empty(target_dir, ec))
    return fail(store_error{store_errc::invalid_argument,
                            target_dir.string() + " is not empty: restore into a new or empty directory"});
  auto engine = open_engine(backup_dir, false);
  if (!engine) return fail(engine.error());
  // Check first, so a damaged backup never leaves a half-restored directory behind.
  if (auto s = (*engine)->VerifyBackup(id, true); !s.ok())
    return fail(rocks_error(s, "backup " + std::to_string(id) + " in " + backup_dir.string()));
  fs::create_directories(target_dir, ec);
  if (ec)
    return fail(
        store_error{store_errc::io_error, "cannot create " + target_dir.string() + ": " + ec.message()});
  auto s = (*engine)->RestoreDBFromBackup(id, target_dir.string(), target_dir.string());
  if (!s.ok()) {
    for (const auto& entry : fs::directory_iterator(target_dir, ec)) fs::remove_all(entry.path(), ec);
    return fail(rocks_error(s, "restoring backup " + std::to_string(id) + " into " + target_dir.string()));
  }
  return ok_t{};
}

std::uint64_t directory_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) total += it->file_size(e2);
  }
  return total;
}

}  // namespace mercato::es
