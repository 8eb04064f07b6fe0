// Subscriptions: catch up, then follow live commits, without gaps or duplicates, and
// without slowing the writer.
#include <atomic>
#include <set>
#include <thread>

#include <mercato/eventstore/subscription.hpp>

#include "store_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;
using es::expected_version;

namespace {
std::vector<es::shard_id> all_shards(const es::event_store& s) {
  std::vector<es::shard_id> v;
  for (std::uint32_t i = 0; i < s.info().shard_count; ++i) v.push_back(es::shard_id{i});
  return v;
}
}  // namespace

TEST_CASE("a subscription catches up, then follows live appends without gaps or duplicates") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 4));
  for (int i = 0; i < 100; ++i)
    REQUIRE(s->append(
        request("pre-" + std::to_string(i % 7), expected_version::any(), {"pre" + std::to_string(i)})));

  auto sub = s->subscribe(all_shards(*s), {});
  constexpr int live = 2000;
  std::thread writer([&] {
    for (int i = 0; i < live; ++i)
      REQUIRE(s->append(
          request("live-" + std::to_string(i % 11), expected_version::any(), {"live" + std::to_string(i)})));
  });

  std::set<std::string> seen;
  std::vector<std::uint64_t> last(4, 0);
  int duplicates = 0, gaps = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (seen.size() < 100 + live && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub->poll(64, 100ms);
    REQUIRE(batch);
    for (const auto& e : *batch) {
      auto& l = last[e.pos.shard.value()];
      if (e.pos.seq.value() != l + 1) ++gaps;
      l = e.pos.seq.value();
      if (!seen.insert(marker_of(e)).second) ++duplicates;
    }
  }
  writer.join();
  CHECK(seen.size() == 100 + live);
  CHECK(duplicates == 0);
  CHECK(gaps == 0);
  for (std::uint32_t sh = 0; sh < 4; ++sh) CHECK(sub->positions()[sh] == s->shard_head(es::shard_id{sh}));
}

TEST_CASE("a subscription resumes from given positions") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 2));
  for (int i = 0; i < 20; ++i)
    REQUIRE(s->append(request("a-" + std::to_string(i), expected_version::any(), {"x"})));
  std::vector<es::shard_seq> from{s->shard_head(es::shard_id{0}), es::shard_seq{0}};
  auto sub = s->subscribe({es::shard_id{0}, es::shard_id{1}}, from);
  auto batch = sub->poll(100, 0ms);
  REQUIRE(batch);
  CHECK(batch->size() == s->shard_head(es::shard_id{1}).value());
  for (const auto& e : *batch) CHECK(e.pos.shard.value() == 1);
}

TEST_CASE("poll waits for a commit and returns empty on timeout") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 2));
  auto sub = s->subscribe(all_shards(*s), {});
  auto t0 = std::chrono::steady_clock::now();
  auto empty = sub->poll(10, 50ms);
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK(std::chrono::steady_clock::now() - t0 >= 40ms);

  std::thread late([&] {
    std::this_thread::sleep_for(50ms);
    REQUIRE(s->append(request("late", expected_version::any(), {"l"})));
  });
  auto got = sub->poll(10, 10s);
  late.join();
  REQUIRE(got);
  REQUIRE(got->size() == 1);
  CHECK(marker_of(got->front()) == "l");
}

TEST_CASE("a subscriber that never reads does not hold the writer back") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 2));
  auto idle = s->subscribe(all_shards(*s), {});  // never polled
  auto slow = s->subscribe(all_shards(*s), {});
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      auto b = slow->poll(1, 10ms);  // one event at a time, slowly
      REQUIRE(b);
      std::this_thread::sleep_for(1ms);
    }
  });
  for (int i = 0; i < 500; ++i)
    REQUIRE(s->append(request("w-" + std::to_string(i % 5), expected_version::any(), {"w"})));
  done = true;
  reader.join();
  CHECK(s->global_head().value() == 500);
  // The idle subscriber still sees everything, read from the log, not from a buffer.
  std::size_t total = 0;
  for (;;) {
    auto b = idle->poll(1000, 0ms);
    REQUIRE(b);
    if (b->empty()) break;
    total += b->size();
  }
  CHECK(total == 500);
}
