// Opening a data directory, its metadata, and every read path of the event store.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <kj/exception.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <xxhash.h>

#include <mercato/eventstore/envelope.hpp>
#include <mercato/eventstore/subscription.hpp>

#include "keys.hpp"
#include "packed.hpp"
#include "store_impl.hpp"

namespace mercato::es {

const char* const cf_names[cf_count] = {rocksdb::kDefaultColumnFamilyName.c_str(),
                                        "events",
                                        "stream_index",
                                        "streams",
                                        "snapshots",
                                        "projections",
                                        "checkpoints",
                                        "idempotency",
                                        "meta"};

namespace {

constexpr std::size_t max_stream_id_bytes = 256;

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}
std::string_view view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

/// The smallest key greater than every key starting with a stream prefix ("s\0" → "s\1").
std::string prefix_end(std::string prefix) {
  prefix.back() = '\x01';
  return prefix;
}

rocksdb::CompressionType best_compression() {
  auto supported = rocksdb::GetSupportedCompressions();
  for (auto c : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), c) != supported.end()) return c;
  }
  return rocksdb::kNoCompression;
}

rocksdb::ColumnFamilyOptions cf_options(std::size_t index, std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = std::move(cache);
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  // Point lookups (stream versions, idempotency keys, stream index) profit from blooms;
  // the events column family is read by range scans only.
  if (index != cf_events) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.format_version = 5;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.compression = best_compression();
  o.write_buffer_size = index == cf_events ? (64u << 20) : (16u << 20);
  o.level_compaction_dynamic_level_bytes = true;
  return o;
}

store_error err(store_errc c, std::string m) {
  return {c, std::move(m)};
}

}  // namespace

store_error io_error(const rocksdb::Status& s, std::string_view what) {
  auto code = s.IsCorruption() ? store_errc::corruption : store_errc::io_error;
  return {code, std::string(what) + ": " + s.ToString()};
}

// ---- vocabulary ------------------------------------------------------------------------

result<stream_id, std::string> stream_id::make(std::string text) {
  if (text.empty()) return fail(std::string("stream id is empty"));
  if (text.size() > max_stream_id_bytes)
    return fail("stream id is " + std::to_string(text.size()) + " bytes; at most " +
                std::to_string(max_stream_id_bytes) + " are allowed");
  for (char ch : text)
    if (const auto c = static_cast<unsigned char>(ch); c < 0x20 || c == 0x7f)
      return fail(std::string("stream id contains a control character"));
  return stream_id(std::move(text));
}

envelope_bytes::envelope_bytes(std::string_view raw)
    : words_(new std::uint64_t[(raw.size() + 7) / 8]), size_(raw.size()) {
  std::memcpy(words_.get(), raw.data(), raw.size());
}

envelope_bytes envelope_bytes::from_packed(std::string_view packed) {
  // Unpacked into a reused buffer (it has room for the longest run), then copied to fit.
  thread_local packed::words scratch;
  packed::unpack(packed, scratch);
  envelope_bytes out;
  out.words_.reset(new std::uint64_t[scratch.size]);
  out.size_ = scratch.size * 8;
  std::memcpy(out.words_.get(), scratch.data.get(), out.size_);
  return out;
}

// ---- aux_batch ---------------------------------------------------------------------------

struct aux_batch::impl {
  enum class op_kind : std::uint8_t { put, del, del_range };
  struct op {
    op_kind kind;
    cf_index cf;
    std::string key, value;
  };
  std::vector<op> ops;
};

aux_batch::aux_batch() : impl_(std::make_unique<impl>()) {}
aux_batch::~aux_batch() = default;
aux_batch::aux_batch(aux_batch&&) noexcept = default;
aux_batch& aux_batch::operator=(aux_batch&&) noexcept = default;

void aux_batch::put_snapshot(const stream_id& stream, stream_version version, std::string_view state) {
  impl_->ops.push_back({impl::op_kind::put, cf_snapshots,
                        keys::stream_versioned(stream.str(), version.value()), std::string(state)});
}
void aux_batch::put_checkpoint(std::string_view name, std::string_view value) {
  impl_->ops.push_back({impl::op_kind::put, cf_checkpoints, std::string(name), std::string(value)});
}
void aux_batch::delete_checkpoint(std::string_view name) {
  impl_->ops.push_back({impl::op_kind::del, cf_checkpoints, std::string(name), {}});
}
void aux_batch::put_projection(std::string_view key, std::string_view value) {
  impl_->ops.push_back({impl::op_kind::put, cf_projections, std::string(key), std::string(value)});
}
void aux_batch::delete_projection(std::string_view key) {
  impl_->ops.push_back({impl::op_kind::del, cf_projections, std::string(key), {}});
}
void aux_batch::delete_projection_range(std::string_view begin, std::string_view end) {
  impl_->ops.push_back({impl::op_kind::del_range, cf_projections, std::string(begin), std::string(end)});
}
std::size_t aux_batch::count() const noexcept {
  return impl_->ops.size();
}

// ---- open ----------------------------------------------------------------------------------

namespace {

store_result<std::string> get_meta(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta, const char* key,
                                   const std::string& dir) {
  std::string value;
  auto s = db.Get(rocksdb::ReadOptions(), meta, key, &value);
  if (s.IsNotFound())
    return fail(err(store_errc::incompatible_format,
                    "data directory " + dir + " has no '" + key +
                        "' record: it was not created by mercatod, or its creation was "
                        "interrupted. Point --data-dir at a Mercato data directory or an "
                        "empty one."));
  if (!s.ok()) return fail(io_error(s, "reading metadata"));
  return value;
}

/// Marks a data directory whose creation has not finished yet.
constexpr const char* creating_marker = "MERCATO_CREATING";

store_result<ok_t> sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return fail(err(store_errc::io_error, "cannot sync directory " + dir.string()));
  }
  ::close(fd);
  return ok;
}

store_result<ok_t> durable_touch(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return fail(err(store_errc::io_error, "cannot create " + file.string()));
  }
  ::close(fd);
  return sync_dir(file.parent_path());
}

store_result<ok_t> durable_remove(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (ec) return fail(err(store_errc::io_error, "cannot remove " + file.string() + ": " + ec.message()));
  return sync_dir(file.parent_path());
}

std::uint64_t parse_u64(const std::string& s, bool& ok) {
  ok = !s.empty() && s.size() <= 19 &&
       std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  return ok ? std::stoull(s) : 0;
}

}  // namespace

event_store::event_store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

event_store::~event_store() = default;

event_store::impl::~impl() {
  stop_writer();
  // A clean close leaves nothing in the write-ahead log to replay: the next open (a node
  // restart, a tool's read-only view) starts at once instead of re-inserting the WAL into
  // a memtable. Best effort: a failure here loses nothing (the WAL still holds it all).
  if (db && !options.read_only && healthy.load()) {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    fo.allow_write_stall = true;
    db->Flush(fo, cf).PermitUncheckedError();
  }
  for (auto* h : cf) {
    if (h != nullptr && db) db->DestroyColumnFamilyHandle(h);
  }
  cf.clear();
  if (db) db->Close();
  db.reset();
}

store_result<std::unique_ptr<event_store>> event_store::open(store_options options) {
  namespace fs = std::filesystem;
  if (options.shard_count == 0 || options.shard_count > 65536)
    return fail(err(store_errc::invalid_argument, "shard count must be 1..65536"));
  if (options.node_id.empty()) return fail(err(store_errc::invalid_argument, "node id must not be empty"));

  const fs::path dir = options.data_dir;
  const std::string dir_s = dir.string();
  const fs::path marker = dir / creating_marker;
  std::error_code ec;
  // A creation that was interrupted (crash between the first RocksDB file and the metadata
  // record) left its marker: nothing in it was ever acknowledged, so start it over.
  if (!options.read_only && fs::exists(marker, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path() != marker) fs::remove_all(entry.path(), ec);
  }
  const bool has_db = fs::exists(dir / "CURRENT", ec);
  if (!has_db) {
    if (options.read_only) return fail(err(store_errc::not_found, "no Mercato data directory at " + dir_s));
    const bool only_marker = fs::exists(marker, ec) &&
                             std::distance(fs::directory_iterator(dir, ec), fs::directory_iterator{}) == 1;
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec) && !only_marker)
      return fail(err(store_errc::incompatible_format,
                      dir_s + " is not empty and holds no Mercato database. Use an empty "
                              "or new directory for a new node, or the directory of an "
                              "existing one."));
    fs::create_directories(dir, ec);
    if (ec) return fail(err(store_errc::io_error, "cannot create " + dir_s + ": " + ec.message()));
    if (auto m = durable_touch(marker); !m) return fail(m.error());
  }

  auto im = std::make_unique<impl>(std::move(options));
  auto& o = im->options;

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = !has_db;
  dbo.create_missing_column_families = !has_db;
  dbo.max_background_jobs = 2;
  dbo.bytes_per_sync = 1u << 20;
  dbo.keep_log_file_num = 5;
  dbo.max_total_wal_size = 256u << 20;
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // A read-only view (tools, possibly beside a running node) opens every table file now
  // and keeps it open: when the node's compactions delete files, this view still reads
  // them, so it stays a consistent point-in-time view for as long as it is open.
  if (o.read_only) dbo.max_open_files = -1;

  auto cache = rocksdb::NewLRUCache(o.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> cfds;
  if (has_db) {
    std::vector<std::string> existing;
    auto s = rocksdb::DB::ListColumnFamilies(dbo, dir_s, &existing);
    if (!s.ok()) return fail(io_error(s, "listing column families of " + dir_s));
    for (std::size_t i = 0; i < cf_count; ++i) {
      if (std::find(existing.begin(), existing.end(), cf_names[i]) == existing.end())
        return fail(err(store_errc::incompatible_format,
                        dir_s + " lacks the '" + cf_names[i] +
                            "' column family: it is not a Mercato data directory of a "
                            "format this mercatod understands."));
    }
  }
  for (std::size_t i = 0; i < cf_count; ++i) cfds.emplace_back(cf_names[i], cf_options(i, cache));

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = o.read_only ? rocksdb::DB::OpenForReadOnly(dbo, dir_s, cfds, &im->cf, &raw)
                                  : rocksdb::DB::Open(dbo, dir_s, cfds, &im->cf, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
      return fail(err(store_errc::io_error,
                      "data directory " + dir_s + " is in use by another process (" + s.ToString() + ")"));
    return fail(io_error(s, "opening " + dir_s));
  }
  im->db.reset(raw);
  im->write_options.sync = o.mode == durability::sync;

  auto* meta = im->cf[cf_meta];
  if (!has_db) {
    rocksdb::WriteBatch wb;
    const auto now = o.clock();
    wb.Put(meta, "format_version", std::to_string(format_version));
    wb.Put(meta, "node_id", o.node_id);
    wb.Put(meta, "shard_count", std::to_string(o.shard_count));
    wb.Put(meta, "created_at_ns", std::to_string(now));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = im->db->Write(wo, &wb);
    if (!s.ok()) return fail(io_error(s, "writing metadata"));
    if (auto m = durable_remove(marker); !m) return fail(m.error());
  }

  auto fv = get_meta(*im->db, meta, "format_version", dir_s);
  if (!fv) return fail(fv.error());
  bool ok_num = false;
  const auto version = parse_u64(*fv, ok_num);
  if (!ok_num || version != format_version)
    return fail(err(store_errc::incompatible_format,
                    "data directory " + dir_s + " has format version " + *fv +
                        "; this mercatod understands format " + std::to_string(format_version) +
                        ". Run the mercatod release that wrote it, or restore a backup into "
                        "an empty directory."));
  auto sc = get_meta(*im->db, meta, "shard_count", dir_s);
  if (!sc) return fail(sc.error());
  const auto shards = parse_u64(*sc, ok_num);
  if (!ok_num || shards == 0 || shards > 65536)
    return fail(err(store_errc::corruption,
                    "data directory " + dir_s + " records an invalid shard count '" + *sc + "'"));
  if (shards != o.shard_count && !o.read_only)  // a read-only view adopts the directory's
    return fail(err(store_errc::config_mismatch,
                    "data directory " + dir_s + " was created with " + *sc +
                        " shards but the configuration says " + std::to_string(o.shard_count) +
                        ". The shard count is fixed at creation: set storage.shards: " + *sc +
                        " (or MERCATO_STORAGE_SHARDS=" + *sc + ")."));
  auto node = get_meta(*im->db, meta, "node_id", dir_s);
  if (!node) return fail(node.error());
  if (*node != o.node_id && !o.read_only)
    return fail(err(store_errc::config_mismatch,
                    "data directory " + dir_s + " belongs to node '" + *node +
                        "' but this node is configured as '" + o.node_id + "'. Set node.id: " + *node +
                        " (or MERCATO_NODE_ID=" + *node + "), or give this node its own data directory."));
  auto created = get_meta(*im->db, meta, "created_at_ns", dir_s);
  if (!created) return fail(created.error());

  im->info = store_info{format_version, *node, static_cast<std::uint32_t>(shards),
                        static_cast<std::int64_t>(parse_u64(*created, ok_num)), o.mode};

  // Recover each shard's head and the global head from the last event of every shard.
  im->shard_heads = std::make_unique<std::atomic<std::uint64_t>[]>(shards);
  {
    std::unique_ptr<rocksdb::Iterator> it(im->db->NewIterator(rocksdb::ReadOptions(), im->cf[cf_events]));
    std::uint64_t global = 0;
    for (std::uint32_t sh = 0; sh < shards; ++sh) {
      im->shard_heads[sh].store(0);
      it->SeekForPrev(keys::event(sh, UINT64_MAX));
      if (!it->Valid() || it->key().size() != keys::event_key_size || keys::get_u32(view(it->key())) != sh)
        continue;
      im->shard_heads[sh].store(keys::get_u64(view(it->key()), 4));
      auto e = im->decode(view(it->key()), view(it->value()));
      if (!e) return fail(e.error());
      global = std::max(global, e->global.value());
      im->last_timestamp = std::max(im->last_timestamp, e->timestamp_ns);
    }
    if (!it->status().ok()) return fail(io_error(it->status(), "recovering shard heads"));
    im->global_head.store(global);
  }

  if (!o.read_only) im->start_writer();
  return std::unique_ptr<event_store>(new event_store(std::move(im)));
}

// ---- helpers ------------------------------------------------------------------------------

std::uint32_t event_store::impl::shard_of(std::string_view stream) const noexcept {
  return static_cast<std::uint32_t>(XXH64(stream.data(), stream.size(), 0) % info.shard_count);
}

store_result<std::uint64_t> event_store::impl::read_stream_version(const std::string& stream) const {
  std::string value;
  auto s = db->Get(rocksdb::ReadOptions(), cf[cf_streams], stream, &value);
  if (s.IsNotFound()) return std::uint64_t{0};
  if (!s.ok()) return fail(io_error(s, "reading stream version"));
  if (value.size() < 8)
    return fail(err(store_errc::corruption, "stream record of '" + stream + "' is truncated"));
  return keys::get_u64(value);
}

store_result<recorded_event> event_store::impl::decode(std::string_view key, std::string_view value) const {
  recorded_event e;
  e.pos = position{shard_id{keys::get_u32(key)}, shard_seq{keys::get_u64(key, 4)}};
  try {
    e.envelope = envelope_bytes::from_packed(value);
    envelope_reader r(e.envelope);
    auto env = r.envelope();
    e.global = global_position{env.getGlobalPosition()};
    e.version = stream_version{env.getVersion()};
    e.timestamp_ns = env.getTimestampNs();
    auto sid = env.getStreamId();
    e.stream.assign(sid.begin(), sid.size());
    auto type = env.getEventType();
    e.type.assign(type.begin(), type.size());
  } catch (const kj::Exception& ex) {
    return fail(
        err(store_errc::corruption, "event at shard " + std::to_string(e.pos.shard.value()) + " sequence " +
                                        std::to_string(e.pos.seq.value()) +
                                        " cannot be decoded: " + std::string(ex.getDescription().cStr())));
  }
  return e;
}

// ---- public API ----------------------------------------------------------------------------

const store_info& event_store::info() const noexcept {
  return impl_->info;
}

shard_id event_store::shard_of(const stream_id& stream) const noexcept {
  return shard_id{impl_->shard_of(stream.str())};
}

shard_seq event_store::shard_head(shard_id shard) const noexcept {
  if (shard.value() >= impl_->info.shard_count) return shard_seq{0};
  return shard_seq{impl_->shard_heads[shard.value()].load(std::memory_order_acquire)};
}

global_position event_store::global_head() const noexcept {
  return global_position{impl_->global_head.load(std::memory_order_acquire)};
}

bool event_store::healthy() const noexcept {
  return impl_->healthy.load();
}

writer_stats event_store::stats() const {
  std::lock_guard lk(impl_->stats_mutex);
  return impl_->stats;
}

store_result<std::optional<append_ok>> event_store::find_idempotent(const stream_id& stream,
                                                                    std::string_view key) const {
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[cf_idempotency],
                          keys::stream_suffixed(stream.str(), key), &value);
  if (s.IsNotFound()) return std::optional<append_ok>{};
  if (!s.ok()) return fail(io_error(s, "reading idempotency key"));
  auto ok = decode_idempotency_record(value);
  if (!ok)
    return fail(err(store_errc::corruption, "idempotency record of '" + stream.str() + "' is corrupt"));
  return ok;
}

store_result<stream_version> event_store::stream_head(const stream_id& stream) const {
  auto v = impl_->read_stream_version(stream.str());
  if (!v) return fail(v.error());
  return stream_version{*v};
}

store_result<std::vector<recorded_event>> event_store::read_stream(const stream_id& stream,
                                                                   stream_version from,
                                                                   read_direction direction,
                                                                   std::size_t max_count) const {
  std::vector<recorded_event> out;
  if (max_count == 0) return out;
  const std::string prefix = keys::stream_prefix(stream.str());
  const std::string upper = prefix_end(prefix);
  rocksdb::ManagedSnapshot snap(impl_->db.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.snapshot();
  rocksdb::Slice lower_s(prefix), upper_s(upper);
  ro.iterate_lower_bound = &lower_s;
  ro.iterate_upper_bound = &upper_s;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[cf_stream_index]));

  std::vector<std::string> event_keys;
  const auto shard = impl_->shard_of(stream.str());
  if (direction == read_direction::forward) {
    it->Seek(keys::stream_versioned(stream.str(), std::max<std::uint64_t>(from.value(), 1)));
    for (; it->Valid() && event_keys.size() < max_count; it->Next())
      event_keys.push_back(keys::event(shard, keys::get_u64(view(it->value()))));
  } else {
    it->SeekForPrev(keys::stream_versioned(stream.str(), from.value() == 0 ? UINT64_MAX : from.value()));
    for (; it->Valid() && event_keys.size() < max_count; it->Prev())
      event_keys.push_back(keys::event(shard, keys::get_u64(view(it->value()))));
  }
  if (!it->status().ok()) return fail(io_error(it->status(), "reading stream index"));
  if (event_keys.empty()) return out;

  std::vector<rocksdb::Slice> key_slices(event_keys.begin(), event_keys.end());
  std::vector<rocksdb::PinnableSlice> values(event_keys.size());
  std::vector<rocksdb::Status> statuses(event_keys.size());
  impl_->db->MultiGet(ro, impl_->cf[cf_events], key_slices.size(), key_slices.data(), values.data(),
                      statuses.data());
  out.reserve(event_keys.size());
  for (std::size_t i = 0; i < event_keys.size(); ++i) {
    if (!statuses[i].ok())
      return fail(statuses[i].IsNotFound() ? err(store_errc::corruption, "stream index of '" + stream.str() +
                                                                             "' points at a missing event")
                                           : io_error(statuses[i], "reading events"));
    auto e = impl_->decode(event_keys[i], view(values[i]));
    if (!e) return fail(e.error());
    out.push_back(std::move(*e));
  }
  return out;
}

store_result<std::vector<recorded_event>> event_store::read_shard(shard_id shard, shard_seq after,
                                                                  std::size_t max_count) const {
  std::vector<recorded_event> out;
  if (shard.value() >= impl_->info.shard_count)
    return fail(err(store_errc::invalid_argument, "shard " + std::to_string(shard.value()) +
                                                      " does not exist; this log has " +
                                                      std::to_string(impl_->info.shard_count)));
  if (max_count == 0 || after.value() == UINT64_MAX) return out;
  const std::string lower = keys::event(shard.value(), after.value() + 1);
  const std::string upper = keys::event(shard.value() + 1, 0);
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper_s(upper);
  ro.iterate_upper_bound = &upper_s;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[cf_events]));
  for (it->Seek(lower); it->Valid() && out.size() < max_count; it->Next()) {
    auto e = impl_->decode(view(it->key()), view(it->value()));
    if (!e) return fail(e.error());
    out.push_back(std::move(*e));
  }
  if (!it->status().ok()) return fail(io_error(it->status(), "reading shard"));
  return out;
}

store_result<std::optional<snapshot_record>> event_store::load_snapshot(const stream_id& stream) const {
  const std::string prefix = keys::stream_prefix(stream.str());
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[cf_snapshots]));
  it->SeekForPrev(keys::stream_versioned(stream.str(), UINT64_MAX));
  if (!it->status().ok()) return fail(io_error(it->status(), "reading snapshots"));
  if (!it->Valid() || !starts_with(view(it->key()), prefix) || it->key().size() != prefix.size() + 8)
    return std::optional<snapshot_record>{};
  return std::optional<snapshot_record>{
      snapshot_record{stream_version{keys::get_u64(view(it->key()), prefix.size())}, it->value().ToString()}};
}

namespace {
store_result<std::optional<std::string>> get_optional(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                                                      std::string_view key) {
  std::string value;
  auto s = db.Get(rocksdb::ReadOptions(), cf, slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return fail(io_error(s, "reading"));
  return std::optional<std::string>{std::move(value)};
}
}  // namespace

store_result<std::optional<std::string>> event_store::load_checkpoint(std::string_view name) const {
  return get_optional(*impl_->db, impl_->cf[cf_checkpoints], name);
}

store_result<std::optional<std::string>> event_store::load_projection(std::string_view key) const {
  return get_optional(*impl_->db, impl_->cf[cf_projections], key);
}

store_result<ok_t> event_store::scan_projection(
    std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper_s(slice(end));
  ro.iterate_upper_bound = &upper_s;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[cf_projections]));
  for (it->Seek(slice(begin)); it->Valid(); it->Next())
    if (!visit(view(it->key()), view(it->value()))) break;
  if (!it->status().ok()) return fail(io_error(it->status(), "scanning projection"));
  return ok;
}

store_result<ok_t> event_store::commit(aux_batch batch, durability mode) {
  if (impl_->options.read_only) return fail(err(store_errc::invalid_argument, "store is open read-only"));
  rocksdb::WriteBatch wb;
  for (auto& op : batch.impl_->ops) {
    auto* h = impl_->cf[op.cf];
    rocksdb::Status s;
    switch (op.kind) {
      case aux_batch::impl::op_kind::put:
        s = wb.Put(h, op.key, op.value);
        break;
      case aux_batch::impl::op_kind::del:
        s = wb.Delete(h, op.key);
        break;
      case aux_batch::impl::op_kind::del_range:
        s = wb.DeleteRange(h, op.key, op.value);
        break;
    }
    if (!s.ok()) return fail(io_error(s, "building batch"));
  }
  rocksdb::WriteOptions wo = impl_->write_options;
  wo.sync = wo.sync && mode == durability::sync;
  auto s = impl_->db->Write(wo, &wb);
  if (!s.ok()) return fail(io_error(s, "committing batch"));
  return ok;
}

std::uint64_t event_store::commit_epoch() const noexcept {
  return impl_->epoch_relaxed.load(std::memory_order_acquire);
}

std::uint64_t event_store::wait_for_commit(std::uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(impl_->commit_mutex);
  impl_->commit_cv.wait_for(lk, timeout, [&] { return impl_->epoch != seen; });
  return impl_->epoch;
}

void event_store::impl::publish_commit(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& heads,
                                       std::uint64_t global) {
  for (const auto& [shard, seq] : heads) shard_heads[shard].store(seq, std::memory_order_release);
  global_head.store(global, std::memory_order_release);
  {
    std::lock_guard lk(commit_mutex);
    ++epoch;
    epoch_relaxed.store(epoch, std::memory_order_release);
  }
  commit_cv.notify_all();
}

std::unique_ptr<subscription> event_store::subscribe(std::vector<shard_id> shards,
                                                     std::vector<shard_seq> after) const {
  return std::make_unique<subscription>(*this, std::move(shards), std::move(after));
}

}  // namespace mercato::es

namespace mercato::es {

envelope_ids read_envelope_ids(const recorded_event& e) {
  envelope_reader r(e);
  auto env = r.envelope();
  auto str = [](capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); };
  return {str(env.getCorrelationId()), str(env.getCausationId()), str(env.getIdempotencyKey()),
          str(env.getNodeId())};
}

}  // namespace mercato::es
