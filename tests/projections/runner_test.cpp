// The projection runner: exactly-once across batches, restarts and failed batches;
// read-your-writes waits; lag; one runner feeding several projections (one read and one
// decode per event, one commit per batch for all, a failing feed dropped, feeds added and
// removed).
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <mercato/projections/runner.hpp>

#include "projection_fixture.hpp"
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;
using projections::batch_writer;
using projections::projection_runner;

namespace {

/// Counts events per stream under "count/<stream>". A double apply or a skip shows as a
/// count that differs from the stream's head. Throws once per `fail_every` batches'
/// worth of events when asked to, after having written (which must then be discarded).
class counting_projection final : public projections::projection {
 public:
  std::atomic<int> failures_left{0};
  std::string_view name() const override { return "test-count"; }
  std::uint32_t version() const override { return 1; }
  void apply(batch_writer& out, const projections::log_event& e) override {
    const std::string key = "count/" + e.stream;
    const auto cur = out.get(key);
    out.put(key, std::to_string((cur ? std::stoull(*cur) : 0) + 1));
    if (failures_left > 0 && e.version.value() % 5 == 0) {
      --failures_left;
      throw projections::projection_error("injected failure");
    }
  }
};

std::uint64_t count_of(const es::event_store& s, const std::string& stream) {
  auto v = s.load_projection(projections::key_prefix("test-count", 1) + "count/" + stream);
  REQUIRE(v.has_value());
  return *v ? std::stoull(**v) : 0;
}

std::unique_ptr<projection_runner> start(es::event_store& s, std::shared_ptr<counting_projection> p,
                                         std::size_t batch = 16) {
  projections::runner_options o;
  o.batch_events = batch;
  o.retry_delay = 20ms;
  auto r = projection_runner::start(s, std::move(p), o);
  REQUIRE(r.has_value());
  return std::move(*r);
}

std::vector<es::position> heads(const es::event_store& s) {
  std::vector<es::position> v;
  for (std::uint32_t i = 0; i < s.info().shard_count; ++i)
    v.push_back(es::position{es::shard_id{i}, s.shard_head(es::shard_id{i})});
  return v;
}

/// `n` restocks spread over the streams product/p-0 … p-(streams−1).
void append_many(es::event_store& s, int n, int streams) {
  for (int i = 0; i < n; ++i) append(s, "product/p-" + std::to_string(i % streams), {restocked("p", 1)});
}

void check_counts(const es::event_store& s, int streams) {
  for (int i = 0; i < streams; ++i) {
    const auto stream = "product/p-" + std::to_string(i);
    auto head = s.stream_head(*es::stream_id::make(stream));
    REQUIRE(head.has_value());
    CHECK_MESSAGE(count_of(s, stream) == head->value(), stream);
  }
}

}  // namespace

TEST_CASE("exactly once across many batches, live appends and restarts") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  constexpr int streams = 13;
  for (int i = 0; i < 200; ++i) append(*s, "product/p-" + std::to_string(i % streams), {restocked("p", 1)});

  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing; ++i) {
      append(*s, "product/p-" + std::to_string(i % streams), {restocked("p", 1), restocked("p", 1)});
      std::this_thread::sleep_for(1ms);
    }
  });
  auto proj = std::make_shared<counting_projection>();
  for (int round = 0; round < 8; ++round) {
    auto runner = start(*s, proj, 7);
    // Stopped once it has committed a few batches: the writer keeps it busy, so the
    // destructor stops it mid-flow.
    REQUIRE_MESSAGE(wait_until([&] { return runner->stats().batches >= 3; }),
                    "round " << round << ": " << runner->stats().batches << " batches, "
                             << runner->last_error().value_or("no error"));
  }
  writing = false;
  writer.join();

  auto runner = start(*s, proj);
  REQUIRE(runner->wait_until(heads(*s), 10s));
  CHECK(runner->total_lag() == 0);
  check_counts(*s, streams);
}

TEST_CASE("a failed batch keeps nothing and is retried") {
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  constexpr int streams = 3;
  for (int i = 0; i < 60; ++i) append(*s, "product/p-" + std::to_string(i % streams), {restocked("p", 1)});
  auto proj = std::make_shared<counting_projection>();
  proj->failures_left = 3;
  auto runner = start(*s, proj, 8);
  REQUIRE(runner->wait_until(heads(*s), 10s));
  CHECK(proj->failures_left == 0);
  CHECK(runner->stats().failures == 3);
  CHECK(runner->last_error() == std::nullopt);  // cleared by the next successful batch
  check_counts(*s, streams);
}

TEST_CASE("wait_until: true once applied, false on timeout or unknown shard") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  auto proj = std::make_shared<counting_projection>();
  auto runner = start(*s, proj);
  CHECK(runner->wait_until(std::vector<es::position>{}, 0ms));

  auto pos = append(*s, "product/p-0", {restocked("p", 1)});
  CHECK(runner->wait_until(pos, 10s));
  CHECK(count_of(*s, "product/p-0") == 1);

  const es::position never{pos[0].shard, es::shard_seq{pos[0].seq.value() + 1000}};
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(runner->wait_until(std::vector{never}, 150ms));
  CHECK(std::chrono::steady_clock::now() - t0 >= 150ms);

  CHECK_FALSE(runner->wait_until(std::vector{es::position{es::shard_id{99}, es::shard_seq{1}}}, 10s));
}

TEST_CASE("lag per shard reaches zero and checkpoints equal the shard heads") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  for (int i = 0; i < 500; ++i) append(*s, "product/p-" + std::to_string(i % 20), {restocked("p", 1)});
  auto proj = std::make_shared<counting_projection>();
  auto runner = start(*s, proj, 16);
  REQUIRE_MESSAGE(wait_until([&] { return runner->total_lag() == 0; }), runner->total_lag()
                                                                            << " events behind");
  const auto lag = runner->lag();
  REQUIRE(lag.size() == 4);
  for (const auto& l : lag) {
    CHECK(l.events == 0);
    CHECK(l.behind_ns == 0);
    CHECK(l.checkpoint == s->shard_head(l.shard));
  }
  auto stored = projections::load_checkpoints(*s, projections::key_prefix("test-count", 1));
  REQUIRE(stored.has_value());
  for (const auto& l : lag) CHECK((*stored)[l.shard.value()] == l.head);
  CHECK(runner->stats().events_applied == 500);
  CHECK(runner->stats().batches > 1);
  check_counts(*s, 20);
}

TEST_CASE(
    "checkpoints: one record per keyspace; per-shard keys of the earlier form are read, then replaced") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  constexpr int streams = 5;
  append_many(*s, 40, streams);
  auto proj = std::make_shared<counting_projection>();
  const auto prefix = projections::key_prefix("test-count", 1);
  {
    auto runner = start(*s, proj);
    REQUIRE(runner->wait_until(heads(*s), 10s));
  }
  auto record = s->load_checkpoint(projections::checkpoints_key(prefix));
  REQUIRE(record.has_value());
  REQUIRE(record->has_value());  // one record holds every shard
  for (std::uint32_t sh = 0; sh < 4; ++sh)
    CHECK_FALSE(s->load_checkpoint(projections::checkpoint_key(prefix, es::shard_id{sh}))->has_value());

  // Turn the keyspace into what the earlier form left: one decimal key per shard, no record.
  const auto cps = projections::load_checkpoints(*s, prefix);
  REQUIRE(cps.has_value());
  {
    es::aux_batch b;
    b.delete_checkpoint(projections::checkpoints_key(prefix));
    for (std::uint32_t sh = 0; sh < 4; ++sh)
      b.put_checkpoint(projections::checkpoint_key(prefix, es::shard_id{sh}),
                       std::to_string((*cps)[sh].value()));
    REQUIRE(s->commit(std::move(b)));
  }
  CHECK(*projections::load_checkpoints(*s, prefix) == *cps);
  append_many(*s, 20, streams);
  auto runner = start(*s, proj);
  CHECK(runner->feeds().front()->legacy_checkpoints());
  REQUIRE(runner->wait_until(heads(*s), 10s));
  check_counts(*s, streams);  // exactly once across the change of form
  CHECK(runner->stats().events_applied == 20);
  CHECK_FALSE(runner->feeds().front()->legacy_checkpoints());
  CHECK(s->load_checkpoint(projections::checkpoints_key(prefix))->has_value());
  for (std::uint32_t sh = 0; sh < 4; ++sh)
    CHECK_FALSE(s->load_checkpoint(projections::checkpoint_key(prefix, es::shard_id{sh}))->has_value());
  runner->stop();

  // A record that does not parse, or is for another shard count, stops the start.
  for (const auto* bad : {"garbage", "\x01\x02\x05\x05"}) {
    es::aux_batch b;
    b.put_checkpoint(projections::checkpoints_key(prefix), bad);
    REQUIRE(s->commit(std::move(b)));
    auto refused = projection_runner::start(*s, proj);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == es::store_errc::corruption);
  }
}

// ---- one runner, several feeds --------------------------------------------------------

namespace {

/// Counts every event into "count/<stream>" and "total", asks for every event's decoded
/// form, and records how often each position was applied. Optionally throws for events
/// of one stream while `failing` is set.
class recording_projection final : public projections::projection {
 public:
  explicit recording_projection(std::string name) : name_(std::move(name)) {}
  std::atomic<bool> failing{false};
  std::string fail_stream = "product/p-3";

  std::string_view name() const override { return name_; }
  std::uint32_t version() const override { return 1; }
  bool wants_decoded(const es::recorded_event&) const override { return true; }
  void apply(batch_writer& out, const projections::log_event& e) override {
    if (failing && e.stream == fail_stream) throw projections::projection_error("held");
    (void)e.decoded(name_);
    {
      std::lock_guard lock(mutex_);
      ++fed_[{e.pos.shard.value(), e.pos.seq.value()}];
    }
    for (const auto& key : {"count/" + e.stream, std::string("total")}) {
      const auto cur = out.get(key);
      out.put(key, std::to_string((cur ? std::stoull(*cur) : 0) + 1));
    }
  }
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> fed() const {
    std::lock_guard lock(mutex_);
    return fed_;
  }

 private:
  std::string name_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> fed_;
};

/// A decoder that counts its calls per position.
struct counting_decoder {
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::map<std::pair<std::uint32_t, std::uint64_t>, int>> calls =
      std::make_shared<std::map<std::pair<std::uint32_t, std::uint64_t>, int>>();
  projections::event_decoder fn() const {
    return [m = mutex, c = calls](const es::recorded_event& e) {
      {
        std::lock_guard lock(*m);
        ++(*c)[{e.pos.shard.value(), e.pos.seq.value()}];
      }
      return codec::decode_event(e);
    };
  }
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> snapshot() const {
    std::lock_guard lock(*mutex);
    return *calls;
  }
};

std::string prefix_of(const std::string& name) {
  return projections::key_prefix(name, 1);
}

std::vector<std::shared_ptr<projections::feed>> open_feeds(
    es::event_store& s, const std::vector<std::shared_ptr<recording_projection>>& ps) {
  std::vector<std::shared_ptr<projections::feed>> feeds;
  for (const auto& p : ps) {
    auto f = projections::feed::open(s, p, prefix_of(std::string(p->name())));
    REQUIRE(f.has_value());
    feeds.push_back(std::move(*f));
  }
  return feeds;
}

/// Per stream its head, plus the total: what every recording projection must hold.
void check_recorded(const es::event_store& s, const std::string& name, int streams) {
  const auto m = model(s, prefix_of(name));
  std::uint64_t total = 0;
  for (int i = 0; i < streams; ++i) {
    const auto stream = "product/p-" + std::to_string(i);
    const auto head = s.stream_head(*es::stream_id::make(stream));
    REQUIRE(head.has_value());
    total += head->value();
    const auto it = m.find("count/" + stream);
    CHECK_MESSAGE((it == m.end() ? 0 : std::stoull(it->second)) == head->value(), name << " " << stream);
  }
  CHECK_MESSAGE((m.count("total") ? std::stoull(m.at("total")) : 0) == total, name);
}

}  // namespace

TEST_CASE("one runner feeds several projections: one read, one decode, one apply per event each") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  constexpr int streams = 9;
  append_many(*s, 300, streams);

  std::vector<std::shared_ptr<recording_projection>> ps;
  for (const auto* n : {"rec-a", "rec-b", "rec-c"}) ps.push_back(std::make_shared<recording_projection>(n));
  counting_decoder decoder;
  projections::runner_options o;
  o.batch_events = 13;
  o.decoder = decoder.fn();
  std::atomic<bool> writing{true};
  std::thread writer([&] {  // live appends while it catches up
    for (int i = 0; writing && i < 400; ++i) {
      append(*s, "product/p-" + std::to_string(i % streams), {restocked("p", 1)});
      std::this_thread::sleep_for(200us);
    }
  });
  auto runner = projection_runner::start(*s, open_feeds(*s, ps), o);
  REQUIRE_MESSAGE(wait_until([&] { return runner->stats().batches >= 5; }), runner->stats().batches);
  writing = false;
  writer.join();
  for (const auto& f : runner->feeds()) REQUIRE(f->wait_until(heads(*s), 10s));

  const auto events = s->global_head().value();
  // The codec decoded each event once, not once per projection.
  const auto decoded = decoder.snapshot();
  CHECK(decoded.size() == events);
  for (const auto& [pos, n] : decoded) CHECK_MESSAGE(n == 1, "shard " << pos.first << " seq " << pos.second);
  CHECK(runner->stats().events_decoded == events);
  // Each projection was fed each event exactly once.
  for (const auto& p : ps) {
    const auto fed = p->fed();
    CHECK(fed.size() == events);
    for (const auto& [pos, n] : fed)
      CHECK_MESSAGE(n == 1, p->name() << " shard " << pos.first << " seq " << pos.second);
    check_recorded(*s, std::string(p->name()), streams);
  }
  CHECK(runner->stats().events_applied == events);
  for (const auto& f : runner->feeds()) {
    CHECK(f->stats().events_applied == events);
    CHECK(f->stats().batches == runner->stats().batches);  // every commit held every feed
  }
}

TEST_CASE("every feed's writes and checkpoints go into the one commit of each batch") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  constexpr int streams = 7;
  append_many(*s, 200, streams);
  std::vector<std::shared_ptr<recording_projection>> ps;
  for (const auto* n : {"one", "two", "three", "four"})
    ps.push_back(std::make_shared<recording_projection>(n));

  // At each stage of each batch, the checkpoints in the store are the same for every feed:
  // before the commit the old ones, after it the new ones — never some moved and others not.
  std::atomic<int> folded{0}, committed{0}, uneven{0}, partial{0};
  projections::runner_options o;
  o.batch_events = 9;
  o.on_batch = [&](const projections::batch_report& r) {
    (r.at == projections::batch_report::stage::folded ? folded : committed)++;
    if (r.prefixes.size() != ps.size()) ++partial;
    // (No REQUIRE here: this is the runner's thread.)
    const auto first = projections::load_checkpoints(*s, prefix_of(std::string(ps.front()->name())));
    for (const auto& p : ps) {
      const auto cps = projections::load_checkpoints(*s, prefix_of(std::string(p->name())));
      if (!first || !cps || *cps != *first) ++uneven;
    }
  };
  // Meanwhile another thread reads all the models in single snapshots (one iterator over
  // every keyspace): their totals are always equal.
  std::atomic<bool> done{false};
  std::atomic<int> snapshots{0}, torn{0};
  std::thread reader([&] {
    while (!done) {
      std::map<std::string, std::string> totals;
      auto r = s->scan_projection("proj/", projections::prefix_end("proj/"),
                                  [&](std::string_view k, std::string_view v) {
                                    if (k.ends_with("/total")) totals.emplace(std::string(k), std::string(v));
                                    return true;
                                  });
      if (!r) continue;
      std::set<std::string> values;
      for (const auto& [k, v] : totals) values.insert(v);
      if (values.size() > 1 || (!totals.empty() && totals.size() != ps.size())) ++torn;
      ++snapshots;
    }
  });
  auto runner = projection_runner::start(*s, open_feeds(*s, ps), o);
  for (int i = 0; i < 200; ++i) {
    append(*s, "product/p-" + std::to_string(i % streams), {restocked("p", 1)});
    if (i % 20 == 0) std::this_thread::sleep_for(1ms);
  }
  for (const auto& f : runner->feeds()) REQUIRE(f->wait_until(heads(*s), 10s));
  REQUIRE_MESSAGE(wait_until([&] { return snapshots >= 20; }), snapshots);
  done = true;
  reader.join();
  runner->stop();

  CHECK(folded == committed);
  CHECK(static_cast<std::uint64_t>(committed.load()) == runner->stats().batches);
  CHECK(runner->stats().batches >= 400 / 9);
  CHECK(partial == 0);
  CHECK(uneven == 0);
  CHECK(torn == 0);
  for (const auto& p : ps) check_recorded(*s, std::string(p->name()), streams);
}

TEST_CASE("a feed that throws is dropped to its handler; the others go on; added back, it catches up") {
  temp_dir dir;
  auto s = open_store(dir.path(), 4);
  constexpr int streams = 5;
  append_many(*s, 100, streams);
  std::vector<std::shared_ptr<recording_projection>> ps;
  for (const auto* n : {"steady", "broken"}) ps.push_back(std::make_shared<recording_projection>(n));
  ps[1]->failing = true;

  std::mutex m;
  std::vector<std::shared_ptr<projections::feed>> dropped;
  projections::runner_options o;
  o.batch_events = 8;
  auto feeds = open_feeds(*s, ps);
  auto runner = projection_runner::start(*s, feeds, o, [&](std::shared_ptr<projections::feed> f) {
    std::lock_guard lock(m);
    dropped.push_back(std::move(f));
  });
  REQUIRE(feeds[0]->wait_until(heads(*s), 10s));  // the steady one is not held up
  REQUIRE_MESSAGE(wait_until([&] {
                    std::lock_guard lock(m);
                    return dropped.size() == 1;
                  }),
                  "the broken feed was never dropped");
  CHECK(dropped[0] == feeds[1]);
  CHECK(feeds[1]->last_error().value_or("").find("held") != std::string::npos);
  CHECK(feeds[1]->stats().failures == 1);
  CHECK_FALSE(runner->feeding(*feeds[1]));
  CHECK(runner->feeds().size() == 1);
  CHECK(runner->last_error() == std::nullopt);  // the runner itself did not fail
  const auto stuck = feeds[1]->checkpoints();
  append(*s, "product/p-0", {restocked("p", 1)});
  REQUIRE(feeds[0]->wait_until(heads(*s), 10s));
  CHECK(feeds[1]->checkpoints() == stuck);  // nobody feeds it

  // Mended and added back: the runner re-reads from its checkpoints for it alone.
  ps[1]->failing = false;
  REQUIRE(runner->add(feeds[1]));
  REQUIRE(feeds[1]->wait_until(heads(*s), 10s));
  CHECK(runner->feeding(*feeds[1]));
  CHECK(feeds[1]->last_error() == std::nullopt);
  for (const auto& p : ps) check_recorded(*s, std::string(p->name()), streams);
  // The steady one never saw an event twice (the broken one did: its dropped batch is
  // re-read for it, which its committed model does not show).
  for (const auto& [pos, n] : ps[0]->fed()) CHECK(n == 1);

  // Removed: no batch writes to it once remove() has returned, and it stays open.
  REQUIRE(runner->remove(*feeds[1]));
  CHECK_FALSE(runner->remove(*feeds[1]));
  const auto before = model(*s, prefix_of("broken"));
  for (int i = 0; i < 20; ++i) append(*s, "product/p-1", {restocked("p", 1)});
  REQUIRE(feeds[0]->wait_until(heads(*s), 10s));
  CHECK(model(*s, prefix_of("broken")) == before);
  CHECK_FALSE(feeds[1]->closed());
  runner->stop();
  CHECK(feeds[0]->closed());
}

TEST_CASE("without an isolation handler a throwing feed fails the whole batch, for every feed") {
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  append_many(*s, 40, 5);
  std::vector<std::shared_ptr<recording_projection>> ps;
  for (const auto* n : {"first", "second"}) ps.push_back(std::make_shared<recording_projection>(n));
  ps[1]->failing = true;
  projections::runner_options o;
  o.batch_events = 6;
  o.retry_delay = 5ms;
  auto feeds = open_feeds(*s, ps);
  auto runner = projection_runner::start(*s, feeds, o);
  REQUIRE(wait_until([&] { return runner->stats().failures >= 2; }));
  CHECK(runner->last_error().value_or("").find("second: apply: held") != std::string::npos);
  // The first events (before p-3's) commit nowhere either: the batch is one.
  CHECK(feeds[0]->checkpoints() == feeds[1]->checkpoints());
  ps[1]->failing = false;
  for (const auto& f : feeds) REQUIRE(f->wait_until(heads(*s), 10s));
  for (const auto& p : ps) {
    check_recorded(*s, std::string(p->name()), 5);
    for (const auto& [pos, n] : p->fed()) CHECK(n >= 1);
  }
}
