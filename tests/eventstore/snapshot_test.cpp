// Snapshots, named checkpoints and projection keys, committed atomically.
#include "store_fixture.hpp"

using namespace mercato;
using namespace mercato::test;

TEST_CASE("the latest snapshot of a stream is loaded") {
  temp_dir dir;
  auto o = options_for(dir.path());
  {
    auto s = open_store(o);
    CHECK_FALSE(s->load_snapshot(sid("cart-1"))->has_value());
    es::aux_batch b;
    b.put_snapshot(sid("cart-1"), es::stream_version{10}, "state@10");
    b.put_snapshot(sid("cart-1"), es::stream_version{200}, "state@200");
    b.put_snapshot(sid("cart-10"), es::stream_version{300}, "other");
    b.put_snapshot(sid("cart-"), es::stream_version{5}, "prefix");
    REQUIRE(s->commit(std::move(b)));
  }
  auto s = open_store(o);
  auto snap = s->load_snapshot(sid("cart-1"));
  REQUIRE(snap);
  REQUIRE(snap->has_value());
  CHECK((*snap)->version.value() == 200);
  CHECK((*snap)->state == "state@200");
  CHECK((*s->load_snapshot(sid("cart-")))->state == "prefix");
  CHECK_FALSE(s->load_snapshot(sid("cart-2"))->has_value());
}

TEST_CASE("checkpoints and projection keys are written atomically and survive reopen") {
  temp_dir dir;
  auto o = options_for(dir.path());
  {
    auto s = open_store(o);
    es::aux_batch b;
    b.put_checkpoint("catalog/shard-0", "17");
    b.put_projection("catalog/p/1", "one");
    b.put_projection("catalog/p/2", "two");
    b.put_projection("catalog/p/3", "three");
    b.put_projection("orders/x", "y");
    CHECK(b.count() == 5);
    REQUIRE(s->commit(std::move(b)));
    es::aux_batch d;
    d.delete_projection("catalog/p/2");
    d.put_checkpoint("catalog/shard-0", "18");
    REQUIRE(s->commit(std::move(d)));
  }
  auto s = open_store(o);
  CHECK(*s->load_checkpoint("catalog/shard-0").value() == "18");
  CHECK_FALSE(s->load_checkpoint("nope")->has_value());
  CHECK(*s->load_projection("catalog/p/1").value() == "one");
  CHECK_FALSE(s->load_projection("catalog/p/2")->has_value());
  std::vector<std::string> seen;
  REQUIRE(s->scan_projection("catalog/", "catalog0", [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k) + "=" + std::string(v));
    return true;
  }));
  CHECK(seen == std::vector<std::string>{"catalog/p/1=one", "catalog/p/3=three"});

  es::aux_batch r;
  r.delete_projection_range("catalog/", "catalog0");
  r.delete_checkpoint("catalog/shard-0");
  REQUIRE(s->commit(std::move(r)));
  CHECK_FALSE(s->load_projection("catalog/p/1")->has_value());
  CHECK(*s->load_projection("orders/x").value() == "y");
  CHECK_FALSE(s->load_checkpoint("catalog/shard-0")->has_value());
}

TEST_CASE("scans stop when the visitor says so") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  es::aux_batch b;
  for (int i = 0; i < 10; ++i) b.put_projection("k" + std::to_string(i), "v");
  REQUIRE(s->commit(std::move(b)));
  int n = 0;
  REQUIRE(s->scan_projection("k", "l", [&](std::string_view, std::string_view) { return ++n < 3; }));
  CHECK(n == 3);
}
