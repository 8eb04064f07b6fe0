// The projection runner: exactly-once across batches, restarts and failed batches;
// read-your-writes waits; lag.
#include <atomic>
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
  void apply(batch_writer& out, const es::recorded_event& e) override {
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
    auto cp = s->load_checkpoint(projections::checkpoint_name("test-count", 1, l.shard));
    REQUIRE(cp.has_value());
    REQUIRE(cp->has_value());
    CHECK(**cp == std::to_string(l.head.value()));
  }
  CHECK(runner->stats().events_applied == 500);
  CHECK(runner->stats().batches > 1);
  check_counts(*s, 20);
}
