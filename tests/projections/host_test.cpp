// The projection host: generation keyspaces, version bumps and operator rebuilds that
// swap atomically while the old generation serves, lag and readiness, fold_offline; the
// shared runner, and read models that catch up alone and join it.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <mercato/projections/host.hpp>

#include "projection_fixture.hpp"
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;
using projections::batch_writer;
using projections::host;
using projections::keyspace;

namespace {

/// Counts events per stream under "count/<stream>" and all of them under "total", so a
/// model read in one snapshot is complete when the counts add up to the total, and a double
/// apply or a skip shows against the stream heads. While `hold` names a generation
/// ("/g1/"), apply into that generation throws: its build cannot progress.
class tally_projection final : public projections::projection {
 public:
  explicit tally_projection(std::uint32_t version = 1, std::string name = "tally")
      : version_(version), name_(std::move(name)) {}
  std::string hold;  // set before the host starts, or through set_hold
  std::atomic<bool> holding{false};

  void set_hold(std::string generation) {
    hold = std::move(generation);
    holding = !hold.empty();
  }
  std::string_view name() const override { return name_; }
  std::uint32_t version() const override { return version_; }
  void apply(batch_writer& out, const projections::log_event& e) override {
    if (holding && out.prefix().find(hold) != std::string::npos) throw projections::projection_error("held");
    const std::string key = "count/" + e.stream;
    const auto cur = out.get(key);
    out.put(key, std::to_string((cur ? std::stoull(*cur) : 0) + 1));
    const auto total = out.get("total");
    out.put("total", std::to_string((total ? std::stoull(*total) : 0) + 1));
  }

 private:
  std::uint32_t version_;
  std::string name_;
};

std::optional<std::string> record(const es::event_store& s, const std::string& which) {
  auto v = s.load_checkpoint("proj/tally/" + which);
  REQUIRE(v.has_value());
  return *v;
}

std::vector<es::position> heads(const es::event_store& s) {
  std::vector<es::position> v;
  for (std::uint32_t i = 0; i < s.info().shard_count; ++i)
    v.push_back(es::position{es::shard_id{i}, s.shard_head(es::shard_id{i})});
  return v;
}

void append_many(es::event_store& s, int n, int streams = 7) {
  for (int i = 0; i < n; ++i) append(s, "product/p-" + std::to_string(i % streams), {restocked("p", 1)});
}

std::optional<std::string> record_of(const es::event_store& s, const std::string& name,
                                     const std::string& which) {
  auto v = s.load_checkpoint("proj/" + name + "/" + which);
  REQUIRE(v.has_value());
  return *v;
}

/// The model the log says the tally must be: per stream its head, and the total.
std::map<std::string, std::string> expected_tally(const es::event_store& s, int streams) {
  std::map<std::string, std::string> m;
  std::uint64_t total = 0;
  for (int i = 0; i < streams; ++i) {
    const auto stream = "product/p-" + std::to_string(i);
    auto head = s.stream_head(*es::stream_id::make(stream));
    REQUIRE(head.has_value());
    if (head->value() == 0) continue;
    m["count/" + stream] = std::to_string(head->value());
    total += head->value();
  }
  if (total) m["total"] = std::to_string(total);
  return m;
}

projections::host_options fast_options() {
  projections::host_options o;
  o.runner.batch_events = 16;
  o.runner.retry_delay = 10ms;
  o.supervise_every = 5ms;
  o.retire_grace = 50ms;
  o.build_batch_events = 32;
  return o;
}

std::unique_ptr<host> start_host(es::event_store& s, std::vector<std::shared_ptr<projections::projection>> ps,
                                 projections::host_options o = fast_options()) {
  auto h = host::start(s, std::move(ps), o);
  if (!h) FAIL("host start failed: " << h.error().message);
  return std::move(*h);
}

template <class Pred>
bool eventually(Pred pred) {
  return wait_until(pred);
}

/// A host of these tallies, once each has caught up with the log.
std::unique_ptr<host> start_caught_up(es::event_store& s,
                                      const std::vector<std::shared_ptr<tally_projection>>& ps) {
  auto h = start_host(s, {ps.begin(), ps.end()});
  for (const auto& p : ps) REQUIRE(h->wait_until(p->name(), heads(s), 10s));
  return h;
}

}  // namespace

TEST_CASE("first start: generation 0 serves at once, follows the log, reports lag") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  append_many(*s, 100);
  auto h = start_host(*s, {std::make_shared<tally_projection>()});
  CHECK(h->names() == std::vector<std::string>{"tally"});
  CHECK(h->active_prefix("tally") == "proj/tally/v1/g0/");
  CHECK(h->active_prefix("nope").empty());
  CHECK(record(*s, "active") == "1/0");

  REQUIRE(h->wait_until("tally", heads(*s), 10s));
  CHECK(model(*s, h->active_prefix("tally")) == expected_tally(*s, 7));
  auto pos = append(*s, "product/p-3", {restocked("p", 1)});
  REQUIRE(h->wait_until("tally", pos, 10s));
  CHECK(model(*s, h->active_prefix("tally")) == expected_tally(*s, 7));
  CHECK(h->caught_up());

  auto st = h->status("tally");
  REQUIRE(st.has_value());
  CHECK(st->name == "tally");
  CHECK(st->version == 1);
  CHECK(st->serving == keyspace{1, 0});
  CHECK(st->live);
  CHECK(st->lag.size() == 4);
  CHECK(st->lag_events == 0);
  CHECK(st->lag_ns == 0);
  CHECK_FALSE(st->rebuilding.has_value());
  CHECK_FALSE(st->last_error.has_value());
  CHECK(st->stats.events_applied == 101);
  CHECK(h->status().size() == 1);
  CHECK_FALSE(h->status("nope").has_value());

  // Unknown names, unknown shards, unreachable positions.
  CHECK_FALSE(h->wait_until("nope", pos, 10ms));
  CHECK_FALSE(h->wait_until("tally", std::vector{es::position{es::shard_id{99}, es::shard_seq{1}}}, 10s));
  CHECK_FALSE(h->wait_until(
      "tally", std::vector{es::position{pos[0].shard, es::shard_seq{pos[0].seq.value() + 5}}}, 30ms));
}

TEST_CASE("a restart resumes the serving generation from its checkpoints") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  append_many(*s, 50);
  {
    auto h = start_host(*s, {std::make_shared<tally_projection>()});
    REQUIRE(h->wait_until("tally", heads(*s), 10s));
  }
  append_many(*s, 30);
  auto h = start_host(*s, {std::make_shared<tally_projection>()});
  CHECK(h->active_prefix("tally") == "proj/tally/v1/g0/");
  REQUIRE(h->wait_until("tally", heads(*s), 10s));
  CHECK(h->status("tally")->stats.events_applied == 30);
  CHECK(model(*s, "proj/tally/v1/g0/") == expected_tally(*s, 7));
}

TEST_CASE("lag while stalled: events and seconds per shard, not caught up") {
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  auto p = std::make_shared<tally_projection>();
  p->set_hold("/g0/");
  append_many(*s, 10, 3);
  auto h = start_host(*s, {p});
  REQUIRE(eventually([&] { return h->status("tally")->last_error.has_value(); }));
  auto st = *h->status("tally");
  CHECK(st.lag_events == 10);
  std::uint64_t sum = 0;
  for (const auto& l : st.lag) {
    sum += l.events;
    CHECK(l.checkpoint == es::shard_seq{0});
    if (l.events > 0) CHECK(l.behind_ns > 0);
  }
  CHECK(sum == 10);
  CHECK(st.lag_ns > 0);
  CHECK(st.last_error->find("held") != std::string::npos);
  CHECK(h->caught_up());  // 10 events behind ≤ ready_max_lag_events (1000)
  p->holding = false;
  REQUIRE(h->wait_until("tally", heads(*s), 10s));
  REQUIRE(eventually([&] { return !h->status("tally")->last_error.has_value(); }));
  CHECK(h->status("tally")->lag_events == 0);
}

TEST_CASE("caught_up is false while a projection is further behind than allowed") {
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  auto p = std::make_shared<tally_projection>();
  p->set_hold("/g0/");
  append_many(*s, 20, 3);
  auto o = fast_options();
  o.ready_max_lag_events = 5;
  auto h = start_host(*s, {p}, o);
  CHECK_FALSE(h->caught_up());
  p->holding = false;
  REQUIRE(h->wait_until("tally", heads(*s), 10s));
  CHECK(h->caught_up());
}

TEST_CASE("a version bump builds the new version while the old keyspace serves, then swaps") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  append_many(*s, 120);
  {
    auto h = start_host(*s, {std::make_shared<tally_projection>(1)});
    REQUIRE(h->wait_until("tally", heads(*s), 10s));
  }
  const auto v1_model = model(*s, "proj/tally/v1/g0/");
  REQUIRE(v1_model == expected_tally(*s, 7));
  append_many(*s, 10);  // after the old version stopped: the frozen keyspace lacks them

  auto v2 = std::make_shared<tally_projection>(2);
  v2->set_hold("/g1/");
  auto h = start_host(*s, {v2});
  // The old generation serves (frozen) while v2 builds in generation 1.
  CHECK(h->active_prefix("tally") == "proj/tally/v1/g0/");
  CHECK(record(*s, "building") == "2/1");
  REQUIRE(eventually([&] { return h->status("tally")->last_error.has_value(); }));
  auto st = *h->status("tally");
  CHECK_FALSE(st.live);
  CHECK(st.serving == keyspace{1, 0});
  CHECK(st.lag_events == 10);
  REQUIRE(st.rebuilding.has_value());
  CHECK(st.rebuilding->target == keyspace{2, 1});
  CHECK(st.rebuilding->prefix == "proj/tally/v2/g1/");
  CHECK(st.rebuilding->lag_events == 130);
  CHECK_FALSE(h->caught_up());
  CHECK(model(*s, h->active_prefix("tally")) == v1_model);
  // Read-your-writes cannot be met by a frozen generation: it times out.
  CHECK_FALSE(h->wait_until("tally", heads(*s), 30ms));
  CHECK(h->wait_until("tally", std::vector<es::position>{}, 0ms));  // nothing to wait for
  CHECK(h->rebuild("tally").has_value() == false);                  // already rebuilding

  // Let the build run; a waiter started before the swap is answered by the new generation.
  std::atomic<bool> waited{false};
  std::thread waiter([&] { waited = h->wait_until("tally", heads(*s), 20s); });
  v2->holding = false;
  waiter.join();
  CHECK(waited);
  CHECK(h->active_prefix("tally") == "proj/tally/v2/g1/");
  CHECK(record(*s, "active") == "2/1");
  CHECK_FALSE(record(*s, "building").has_value());
  CHECK(model(*s, "proj/tally/v2/g1/") == expected_tally(*s, 7));
  st = *h->status("tally");
  CHECK(st.live);
  CHECK(st.swaps == 1);
  CHECK_FALSE(st.rebuilding.has_value());

  // It follows the log without a gap, and the old keyspace goes after the grace period.
  auto pos = append(*s, "product/p-1", {restocked("p", 1)});
  REQUIRE(h->wait_until("tally", pos, 10s));
  CHECK(model(*s, h->active_prefix("tally")) == expected_tally(*s, 7));
  REQUIRE(eventually([&] { return !record(*s, "retiring").has_value(); }));
  CHECK(model(*s, "proj/tally/v1/g0/").empty());
  auto cp = s->load_checkpoint(projections::checkpoints_key("proj/tally/v1/g0/"));
  REQUIRE(cp.has_value());
  CHECK_FALSE(cp->has_value());
}

TEST_CASE("rebuild while serving: every read sees a complete model, the swap is atomic") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  constexpr int streams = 11;
  append_many(*s, 400, streams);
  auto p = std::make_shared<tally_projection>();
  auto h = start_host(*s, {p});
  REQUIRE(h->wait_until("tally", heads(*s), 10s));

  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, bad{0}, regressions{0}, ryw_failures{0};
  std::set<std::string> prefixes_seen;
  std::thread reader([&] {
    std::uint64_t last_total = 0;
    while (!done) {
      const auto prefix = h->active_prefix("tally");
      const auto m = model(*s, prefix);
      std::uint64_t sum = 0, total = 0;
      for (const auto& [k, v] : m) {
        if (k == "total")
          total = std::stoull(v);
        else
          sum += std::stoull(v);
      }
      if (sum != total || total == 0) ++bad;
      if (total < last_total) ++regressions;
      last_total = total;
      prefixes_seen.insert(prefix);
      ++reads;
    }
  });
  std::thread writer([&] {
    for (int i = 0; !done; ++i) {
      auto pos = append(*s, "product/p-" + std::to_string(i % streams), {restocked("p", 1)});
      // Read-your-writes across swaps: once waited for, the write is in the served model.
      if (!h->wait_until("tally", pos, 20s)) {
        ++ryw_failures;
        continue;
      }
      // Only this thread writes, so the stream's head is the version just written.
      const auto stream = "product/p-" + std::to_string(i % streams);
      auto head = s->stream_head(*es::stream_id::make(stream));
      const auto m = model(*s, h->active_prefix("tally"));
      auto it = m.find("count/" + stream);
      if (!head || it == m.end() || std::stoull(it->second) < head->value()) ++ryw_failures;
      std::this_thread::sleep_for(200us);
    }
  });

  // Three rebuilds in a row, each held for a moment so reads overlap the build.
  for (std::uint64_t gen = 1; gen <= 3; ++gen) {
    p->set_hold("/g" + std::to_string(gen) + "/");
    REQUIRE(h->rebuild("tally").has_value());
    CHECK_FALSE(h->rebuild("tally").has_value());  // one at a time
    REQUIRE(eventually([&] { return h->status("tally")->rebuilding.has_value(); }));
    // The build is stuck on its first batch; the reader reads the serving model meanwhile.
    REQUIRE(eventually([&] { return h->status("tally")->last_error.has_value(); }));
    const int reads_before = reads;
    REQUIRE(eventually([&] { return reads >= reads_before + 5; }));
    CHECK(h->active_prefix("tally") == "proj/tally/v1/g" + std::to_string(gen - 1) + "/");
    p->holding = false;
    const auto want = "proj/tally/v1/g" + std::to_string(gen) + "/";
    REQUIRE(eventually([&] { return h->active_prefix("tally") == want; }));
    REQUIRE(eventually([&] { return !record(*s, "retiring").has_value(); }));
  }
  done = true;
  reader.join();
  writer.join();

  CHECK(bad == 0);
  CHECK(regressions == 0);
  CHECK(ryw_failures == 0);
  CHECK(reads > 10);
  CHECK(prefixes_seen.size() >= 3);
  CHECK(h->status("tally")->swaps == 3);
  REQUIRE(h->wait_until("tally", heads(*s), 10s));
  CHECK(model(*s, h->active_prefix("tally")) == expected_tally(*s, streams));
  for (int gen = 0; gen < 3; ++gen) CHECK(model(*s, "proj/tally/v1/g" + std::to_string(gen) + "/").empty());
}

TEST_CASE("an interrupted rebuild resumes on restart; a retired keyspace is deleted on restart") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  append_many(*s, 60);
  {
    auto p = std::make_shared<tally_projection>();
    auto h = start_host(*s, {p});
    REQUIRE(h->wait_until("tally", heads(*s), 10s));
    p->set_hold("/g1/");
    REQUIRE(h->rebuild("tally").has_value());
    REQUIRE(eventually([&] { return h->status("tally")->last_error.has_value(); }));
  }  // stopped mid-build
  CHECK(record(*s, "active") == "1/0");
  CHECK(record(*s, "building") == "1/1");
  {
    auto o = fast_options();
    o.retire_grace = std::chrono::hours(1);  // the old keyspace outlives this host
    auto h = start_host(*s, {std::make_shared<tally_projection>()}, o);
    REQUIRE(eventually([&] { return h->active_prefix("tally") == "proj/tally/v1/g1/"; }));
    REQUIRE(h->wait_until("tally", heads(*s), 10s));
    CHECK(model(*s, "proj/tally/v1/g1/") == expected_tally(*s, 7));
    CHECK(record(*s, "retiring") == "1/0");
    CHECK_FALSE(model(*s, "proj/tally/v1/g0/").empty());
  }
  auto h = start_host(*s, {std::make_shared<tally_projection>()});
  CHECK_FALSE(record(*s, "retiring").has_value());
  CHECK(model(*s, "proj/tally/v1/g0/").empty());
  CHECK(h->active_prefix("tally") == "proj/tally/v1/g1/");
  // The next generation number is not reused.
  REQUIRE(h->rebuild("tally").has_value());
  CHECK(record(*s, "building") == "1/2");
}

TEST_CASE("a build for a version the code no longer has is dropped on restart") {
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  append_many(*s, 20);
  {
    auto v2 = std::make_shared<tally_projection>(2);
    auto h = start_host(*s, {std::make_shared<tally_projection>(1)});
    REQUIRE(h->wait_until("tally", heads(*s), 10s));
  }
  {
    auto v2 = std::make_shared<tally_projection>(2);
    v2->set_hold("/g1/");
    auto h = start_host(*s, {v2});
    REQUIRE(eventually([&] { return h->status("tally")->last_error.has_value(); }));
    CHECK(record(*s, "building") == "2/1");
  }
  // Rolled back to v1: the v2 build is deleted, v1 serves live again.
  auto h = start_host(*s, {std::make_shared<tally_projection>(1)});
  CHECK_FALSE(record(*s, "building").has_value());
  CHECK(h->active_prefix("tally") == "proj/tally/v1/g0/");
  CHECK(h->status("tally")->live);
  CHECK(model(*s, "proj/tally/v2/g1/").empty());
}

TEST_CASE("bad host input is refused with a clear error") {
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  class named final : public projections::projection {
   public:
    explicit named(std::string n) : n_(std::move(n)) {}
    std::string_view name() const override { return n_; }
    std::uint32_t version() const override { return 1; }
    void apply(batch_writer&, const projections::log_event&) override {}

   private:
    std::string n_;
  };
  auto dup = host::start(*s, {std::make_shared<named>("a"), std::make_shared<named>("a")});
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().code == es::store_errc::invalid_argument);
  CHECK(dup.error().message.find("twice") != std::string::npos);
  auto bad = host::start(*s, {std::make_shared<named>("Bad/Name")});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("[a-z0-9-]+") != std::string::npos);
  REQUIRE_FALSE(host::start(*s, {nullptr}).has_value());

  // A corrupt pointer record stops the start instead of guessing.
  es::aux_batch b;
  b.put_checkpoint("proj/a/active", "garbage");
  REQUIRE(s->commit(std::move(b)));
  auto corrupt = host::start(*s, {std::make_shared<named>("a")});
  REQUIRE_FALSE(corrupt.has_value());
  CHECK(corrupt.error().code == es::store_errc::corruption);

  class effectful final : public projections::projection {
   public:
    std::string_view name() const override { return "effects"; }
    std::uint32_t version() const override { return 1; }
    void apply(batch_writer&, const projections::log_event&) override {}
    bool rebuildable() const override { return false; }
  };
  auto h = start_host(*s, {std::make_shared<named>("b"), std::make_shared<effectful>()});
  auto r = h->rebuild("nope");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == es::store_errc::invalid_argument);
  auto fx = h->rebuild("effects");
  REQUIRE_FALSE(fx.has_value());
  CHECK(fx.error().message.find("must not be rebuilt") != std::string::npos);
  CHECK_FALSE(h->status("effects")->rebuilding.has_value());
}

TEST_CASE("fold_offline equals the live model, and stops at a time when asked") {
  temp_dir dir;
  // The store's clock is the test's: the first 90 events are recorded before `cut`, the
  // other 40 after it.
  std::atomic<std::int64_t> now_ns{1'700'000'000'000'000'000};
  es::store_options so;
  so.data_dir = dir.path();
  so.shard_count = 4;
  so.clock = [&now_ns] { return now_ns.load(); };
  auto opened = es::event_store::open(so);
  REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().message));
  auto s = std::move(*opened);
  append_many(*s, 90);
  const auto cut = now_ns += 1'000'000'000;
  now_ns += 1'000'000'000;
  append_many(*s, 40);

  auto h = start_host(*s, {std::make_shared<tally_projection>()});
  REQUIRE(h->wait_until("tally", heads(*s), 10s));
  tally_projection p;
  REQUIRE(projections::fold_offline(*s, p, "tools/replay/all/", std::nullopt, 7).has_value());
  CHECK(model(*s, "tools/replay/all/") == model(*s, h->active_prefix("tally")));
  auto cps = projections::load_checkpoints(*s, "tools/replay/all/");
  REQUIRE(cps.has_value());
  for (std::uint32_t sh = 0; sh < 4; ++sh) CHECK((*cps)[sh] == s->shard_head(es::shard_id{sh}));
  // Run again: resumes from its checkpoints, so nothing is applied twice.
  REQUIRE(projections::fold_offline(*s, p, "tools/replay/all/").has_value());
  CHECK(model(*s, "tools/replay/all/") == model(*s, h->active_prefix("tally")));

  REQUIRE(projections::fold_offline(*s, p, "tools/replay/cut/", cut).has_value());
  const auto partial = model(*s, "tools/replay/cut/");
  REQUIRE(partial.count("total") == 1);
  CHECK(partial.at("total") == "90");

  CHECK_FALSE(projections::fold_offline(*s, p, "no-slash").has_value());
  p.set_hold("/broken/");
  auto failed = projections::fold_offline(*s, p, "tools/broken/");
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message.find("held") != std::string::npos);
}

TEST_CASE("read models in step share one runner; one far behind catches up alone, then joins") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  append_many(*s, 300);
  {
    auto h = start_caught_up(
        *s, {std::make_shared<tally_projection>(1, "old-a"), std::make_shared<tally_projection>(1, "old-b")});
    CHECK(h->status("old-a")->shared);
    CHECK(h->status("old-b")->shared);
    const auto st = h->shared_stats();
    CHECK(st.events_applied == 300);  // one reading for both
  }
  // A read model new to this directory starts at zero, 300 events behind the others: it
  // must not hold them back, so it reads alone (held here, so it stays alone meanwhile).
  auto fresh = std::make_shared<tally_projection>(1, "fresh");
  fresh->set_hold("/g0/");
  auto o = fast_options();
  o.join_within_events = 10;
  auto h = start_host(
      *s,
      {std::make_shared<tally_projection>(1, "old-a"), std::make_shared<tally_projection>(1, "old-b"), fresh},
      o);
  REQUIRE(eventually([&] { return h->status("fresh")->last_error.has_value(); }));
  CHECK(h->status("old-a")->shared);
  CHECK(h->status("old-b")->shared);
  CHECK(h->status("fresh")->live);
  CHECK_FALSE(h->status("fresh")->shared);
  CHECK(h->status("fresh")->lag_events == 300);
  auto pos = append(*s, "product/p-2", {restocked("p", 1)});
  REQUIRE(h->wait_until("old-a", pos, 10s));
  REQUIRE(h->wait_until("old-b", pos, 10s));

  fresh->holding = false;
  REQUIRE(h->wait_until("fresh", heads(*s), 10s));
  REQUIRE_MESSAGE(eventually([&] { return h->status("fresh")->shared; }), "the caught-up model never joined");
  pos = append(*s, "product/p-4", {restocked("p", 1)});
  for (const auto* n : {"old-a", "old-b", "fresh"}) {
    REQUIRE(h->wait_until(n, pos, 10s));
    CHECK_MESSAGE(model(*s, h->active_prefix(n)) == expected_tally(*s, 7), n);
    CHECK_FALSE(h->status(n)->last_error.has_value());
  }
}

TEST_CASE("a read model that throws in the shared runner stalls alone; the others go on") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  append_many(*s, 50);
  auto steady = std::make_shared<tally_projection>(1, "steady");
  auto flaky = std::make_shared<tally_projection>(1, "flaky");
  auto h = start_caught_up(*s, {steady, flaky});

  flaky->set_hold("/g0/");
  auto pos = append(*s, "product/p-1", {restocked("p", 1)});
  REQUIRE(h->wait_until("steady", pos, 10s));
  REQUIRE(eventually([&] { return !h->status("flaky")->shared && h->status("flaky")->last_error; }));
  CHECK(h->status("flaky")->last_error->find("held") != std::string::npos);
  CHECK(h->status("flaky")->live);  // its own runner retries
  for (int i = 0; i < 5; ++i) pos = append(*s, "product/p-" + std::to_string(i), {restocked("p", 1)});
  REQUIRE(h->wait_until("steady", pos, 10s));
  CHECK_FALSE(h->wait_until("flaky", pos, 30ms));
  CHECK(h->status("flaky")->lag_events == 6);
  CHECK(h->status("steady")->shared);
  CHECK_FALSE(h->status("steady")->last_error.has_value());

  flaky->holding = false;
  REQUIRE(h->wait_until("flaky", pos, 10s));
  REQUIRE(eventually([&] { return h->status("flaky")->shared; }));
  REQUIRE(eventually([&] { return !h->status("flaky")->last_error.has_value(); }));
  for (const auto* n : {"steady", "flaky"})
    CHECK_MESSAGE(model(*s, h->active_prefix(n)) == expected_tally(*s, 7), n);
}

TEST_CASE("a rebuild builds alone, joins the shared runner, swaps without pausing the others") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  append_many(*s, 200);
  auto other = std::make_shared<tally_projection>(1, "other");
  auto rebuilt = std::make_shared<tally_projection>(1, "rebuilt");
  auto h = start_caught_up(*s, {other, rebuilt});
  rebuilt->set_hold("/g1/");
  REQUIRE(h->rebuild("rebuilt").has_value());
  REQUIRE(eventually([&] { return h->status("rebuilt")->last_error.has_value(); }));
  // The build is held; the serving generation and the other model follow the log.
  auto pos = append(*s, "product/p-3", {restocked("p", 1)});
  REQUIRE(h->wait_until("rebuilt", pos, 10s));
  REQUIRE(h->wait_until("other", pos, 10s));
  CHECK(h->status("rebuilt")->shared);
  rebuilt->holding = false;
  REQUIRE(eventually([&] { return h->active_prefix("rebuilt") == "proj/rebuilt/v1/g1/"; }));
  CHECK(h->status("rebuilt")->shared);  // the new generation serves from the shared runner
  CHECK(record_of(*s, "rebuilt", "active") == "1/1");
  pos = append(*s, "product/p-5", {restocked("p", 1)});
  for (const auto* n : {"other", "rebuilt"}) {
    REQUIRE(h->wait_until(n, pos, 10s));
    CHECK_MESSAGE(model(*s, h->active_prefix(n)) == expected_tally(*s, 7), n);
  }
  REQUIRE(eventually([&] { return !record_of(*s, "rebuilt", "retiring").has_value(); }));
  CHECK(model(*s, "proj/rebuilt/v1/g0/").empty());
  CHECK(h->status("other")->stats.failures == 0);
}
