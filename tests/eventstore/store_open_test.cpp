// Opening, creating and refusing data directories.
#include <fstream>

#include <rocksdb/db.h>

#include "store_fixture.hpp"

using namespace mercato;
using namespace mercato::test;

namespace {
/// Opens the data directory with plain RocksDB (as another program would) and hands `f`
/// the column family named `cf`.
template <class F>
void with_raw_cf(const std::filesystem::path& dir, const std::string& cf, F f) {
  rocksdb::DBOptions dbo;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(dbo, dir.string(), &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfds;
  for (auto& n : names) cfds.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(dbo, dir.string(), cfds, &handles, &db).ok());
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == cf) f(*db, handles[i]);
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  delete db;
}
/// A RocksDB database with only the default column family, as any other program makes.
void create_plain_rocksdb(const std::filesystem::path& dir) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(o, dir.string(), &db).ok());
  delete db;
}
}  // namespace

TEST_CASE("a new directory is created with its format, node id and shard count") {
  temp_dir dir;
  auto o = options_for(dir / "data", 16);
  o.node_id = "node-a";
  {
    auto s = open_store(o);
    CHECK(s->info().format_version == 1);
    CHECK(s->info().node_id == "node-a");
    CHECK(s->info().shard_count == 16);
    CHECK(s->info().created_at_ns > 0);
    CHECK(s->global_head().value() == 0);
  }
  auto again = open_store(o);
  CHECK(again->info().shard_count == 16);
}

TEST_CASE("a different shard count is refused with what to do") {
  temp_dir dir;
  { auto s = open_store(options_for(dir.path(), 16)); }
  auto r = es::event_store::open(options_for(dir.path(), 64));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::store_errc::config_mismatch);
  CHECK(r.error().message.find("16 shards") != std::string::npos);
  CHECK(r.error().message.find("storage.shards: 16") != std::string::npos);
}

TEST_CASE("a different node id is refused") {
  temp_dir dir;
  { auto s = open_store(options_for(dir.path())); }
  auto o = options_for(dir.path());
  o.node_id = "other";
  auto r = es::event_store::open(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::store_errc::config_mismatch);
  CHECK(r.error().message.find("node-1") != std::string::npos);
}

TEST_CASE("an unknown format version is refused") {
  temp_dir dir;
  { auto s = open_store(options_for(dir.path())); }
  // Rewrite the format record with plain RocksDB, as a future mercatod would have.
  with_raw_cf(dir.path(), "meta", [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), h, "format_version", "99").ok());
  });
  auto r = es::event_store::open(options_for(dir.path()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::store_errc::incompatible_format);
  CHECK(r.error().message.find("format version 99") != std::string::npos);
}

TEST_CASE("a non-empty directory that is not a Mercato database is refused") {
  temp_dir dir;
  std::ofstream(dir / "notes.txt") << "hello";
  auto r = es::event_store::open(options_for(dir.path()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::store_errc::incompatible_format);
  CHECK(r.error().message.find("not empty") != std::string::npos);
}

TEST_CASE("a plain RocksDB database is refused as not Mercato's") {
  temp_dir dir;
  { create_plain_rocksdb(dir.path()); }
  auto r = es::event_store::open(options_for(dir.path()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::store_errc::incompatible_format);
}

TEST_CASE("read-only open of a missing directory fails clearly") {
  temp_dir dir;
  auto o = options_for(dir / "missing");
  o.read_only = true;
  auto r = es::event_store::open(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::store_errc::not_found);
}

TEST_CASE("a second process-level open of the same directory is refused while in use") {
  temp_dir dir;
  auto first = open_store(options_for(dir.path()));
  auto second = es::event_store::open(options_for(dir.path()));
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("in use") != std::string::npos);
}

TEST_CASE("invalid options are refused") {
  temp_dir dir;
  CHECK_FALSE(es::event_store::open(options_for(dir.path(), 0)));
  auto o = options_for(dir.path());
  o.node_id = "";
  CHECK_FALSE(es::event_store::open(o));
}

TEST_CASE("a creation interrupted by a crash is started over") {
  temp_dir dir;
  {
    // What a crash between RocksDB's first files and the metadata record leaves behind.
    create_plain_rocksdb(dir.path());
    std::ofstream(dir / "MERCATO_CREATING");
  }
  auto s = open_store(options_for(dir.path()));
  CHECK(s->info().format_version == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "MERCATO_CREATING"));
}

TEST_CASE("a damaged event is reported as corruption, never a crash") {
  temp_dir dir;
  {
    auto s = open_store(options_for(dir.path(), 1));
    REQUIRE(s->append(request("a", es::expected_version::any(), {"x", "y"})));
  }
  // Overwrite the second event (shard 0, sequence 2) with bytes that are not an envelope.
  with_raw_cf(dir.path(), "events", [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    const std::string key("\0\0\0\0\0\0\0\0\0\0\0\x02", 12);
    REQUIRE(db.Put(rocksdb::WriteOptions(), h, key, "\xff\xff\x01garbage").ok());
  });
  auto r = es::event_store::open(options_for(dir.path(), 1));  // recovery reads the last event
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::store_errc::corruption);
  CHECK(r.error().message.find("sequence 2") != std::string::npos);
}
