// Reading streams (both directions, pages), shards and the merged log; reopen keeps state.
#include <map>
#include <set>

#include <mercato/eventstore/subscription.hpp>

#include "store_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using es::expected_version;

namespace {
void fill(es::event_store& s, int streams, int per_stream) {
  for (int v = 0; v < per_stream; ++v)
    for (int i = 0; i < streams; ++i)
      REQUIRE(s.append(request("s-" + std::to_string(i), expected_version::any(),
                               {std::to_string(i) + ":" + std::to_string(v + 1)})));
}
std::vector<std::string> markers(const std::vector<es::recorded_event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(marker_of(e));
  return out;
}
}  // namespace

TEST_CASE("a stream reads forward and backward in bounded pages") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  fill(*s, 3, 10);
  auto id = sid("s-1");
  auto page = s->read_stream(id, es::stream_version{1}, es::read_direction::forward, 4);
  REQUIRE(page);
  CHECK(markers(*page) == std::vector<std::string>{"1:1", "1:2", "1:3", "1:4"});
  page = s->read_stream(id, es::stream_version{9}, es::read_direction::forward, 4);
  CHECK(markers(*page) == std::vector<std::string>{"1:9", "1:10"});
  page = s->read_stream(id, es::stream_version{11}, es::read_direction::forward, 4);
  CHECK(page->empty());
  page = s->read_stream(id, es::stream_version{0}, es::read_direction::backward, 3);
  CHECK(markers(*page) == std::vector<std::string>{"1:10", "1:9", "1:8"});
  page = s->read_stream(id, es::stream_version{2}, es::read_direction::backward, 5);
  CHECK(markers(*page) == std::vector<std::string>{"1:2", "1:1"});
  CHECK((*page)[0].version.value() == 2);
  CHECK(s->read_stream(sid("nothing"), es::stream_version{1}, es::read_direction::forward, 5)->empty());
  CHECK(s->read_stream(sid("s-1"), es::stream_version{1}, es::read_direction::forward, 0)->empty());
}

TEST_CASE("a stream whose id is a prefix of another reads only its own events") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 1));
  REQUIRE(s->append(request("ab", expected_version::any(), {"ab1"})));
  REQUIRE(s->append(request("a", expected_version::any(), {"a1"})));
  REQUIRE(s->append(request("a-", expected_version::any(), {"a-1"})));
  CHECK(markers(*s->read_stream(sid("a"), es::stream_version{1}, es::read_direction::forward, 9)) ==
        std::vector<std::string>{"a1"});
  CHECK(markers(*s->read_stream(sid("a"), es::stream_version{0}, es::read_direction::backward, 9)) ==
        std::vector<std::string>{"a1"});
}

TEST_CASE("a shard reads from a position in sequence order") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 4));
  fill(*s, 8, 5);
  std::uint64_t total = 0;
  for (std::uint32_t sh = 0; sh < 4; ++sh) {
    auto head = s->shard_head(es::shard_id{sh}).value();
    total += head;
    auto all = s->read_shard(es::shard_id{sh}, es::shard_seq{0}, 1000);
    REQUIRE(all);
    REQUIRE(all->size() == head);
    for (std::size_t i = 0; i < all->size(); ++i) CHECK((*all)[i].pos.seq.value() == i + 1);
    if (head > 3) {
      auto tail = s->read_shard(es::shard_id{sh}, es::shard_seq{head - 2}, 10);
      REQUIRE(tail->size() == 2);
      CHECK(tail->front().pos.seq.value() == head - 1);
    }
  }
  CHECK(total == 40);
  CHECK_FALSE(s->read_shard(es::shard_id{4}, es::shard_seq{0}, 10));
}

TEST_CASE("all shards merge by commit order from any global position") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 8));
  fill(*s, 13, 7);
  auto reader = s->read_all(es::global_position{0});
  REQUIRE(reader);
  std::vector<es::recorded_event> all;
  for (;;) {
    auto page = (*reader)->next(17);
    REQUIRE(page);
    if (page->empty()) break;
    for (auto& e : *page) all.push_back(std::move(e));
  }
  REQUIRE(all.size() == 91);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].global.value() == i + 1);

  auto from50 = s->read_all(es::global_position{50});
  REQUIRE(from50);
  auto page = (*from50)->next(1000);
  REQUIRE(page->size() == 41);
  CHECK(page->front().global.value() == 51);

  auto past_end = s->read_all(es::global_position{91});
  CHECK((*past_end)->next(10)->empty());
}

TEST_CASE("readers of disjoint shard sets merge to the whole log") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 8));
  fill(*s, 13, 7);
  const std::vector<es::shard_id> even{es::shard_id{0}, es::shard_id{2}, es::shard_id{4}, es::shard_id{6}};
  const std::vector<es::shard_id> odd{es::shard_id{1}, es::shard_id{3}, es::shard_id{5}, es::shard_id{7}};
  std::vector<std::uint64_t> globals;
  for (const auto* set : {&even, &odd}) {
    auto reader = s->read_all(es::global_position{20}, *set);
    REQUIRE(reader);
    auto page = (*reader)->next(1000);
    REQUIRE(page);
    for (std::size_t i = 0; i < page->size(); ++i) {
      const auto& e = (*page)[i];
      CHECK(e.pos.shard.value() % 2 == (set == &even ? 0u : 1u));
      if (i > 0) CHECK((*page)[i - 1].global.value() < e.global.value());  // commit order within a set
      globals.push_back(e.global.value());
    }
  }
  std::sort(globals.begin(), globals.end());
  REQUIRE(globals.size() == 71);
  for (std::size_t i = 0; i < globals.size(); ++i) CHECK(globals[i] == 21 + i);

  const std::vector<es::shard_id> missing{es::shard_id{8}};
  auto bad = s->read_all(es::global_position{0}, missing);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == es::store_errc::invalid_argument);
}

TEST_CASE("the merged reader is a point-in-time view") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 4));
  fill(*s, 4, 2);
  auto reader = s->read_all(es::global_position{0});
  REQUIRE(reader);
  fill(*s, 4, 2);
  CHECK((*reader)->next(100)->size() == 8);
}

TEST_CASE("state after a clean reopen equals the state before") {
  temp_dir dir;
  auto o = options_for(dir.path(), 8);
  std::map<std::uint32_t, std::uint64_t> heads;
  std::vector<std::string> before;
  {
    auto s = open_store(o);
    fill(*s, 10, 6);
    for (std::uint32_t sh = 0; sh < 8; ++sh) heads[sh] = s->shard_head(es::shard_id{sh}).value();
    before = markers(*(*s->read_all(es::global_position{0}))->next(1000));
  }
  auto s = open_store(o);
  for (std::uint32_t sh = 0; sh < 8; ++sh) CHECK(s->shard_head(es::shard_id{sh}).value() == heads[sh]);
  CHECK(s->global_head().value() == 60);
  CHECK(markers(*(*s->read_all(es::global_position{0}))->next(1000)) == before);
  CHECK(s->stream_head(sid("s-3"))->value() == 6);
  auto next = s->append(request("s-3", expected_version::exactly(es::stream_version{6}), {"3:7"}));
  REQUIRE(next);
  CHECK(next->first_global.value() == 61);
}

TEST_CASE("a read-only store reads what a writer left and refuses appends") {
  temp_dir dir;
  auto o = options_for(dir.path(), 8);
  {
    auto s = open_store(o);
    fill(*s, 3, 3);
  }
  o.read_only = true;
  o.node_id = "someone-else";  // tools may read any node's directory
  auto s = open_store(o);
  CHECK(s->global_head().value() == 9);
  auto r = s->append(request("s-1", expected_version::any(), {"x"}));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == es::append_errc::closed);
}
