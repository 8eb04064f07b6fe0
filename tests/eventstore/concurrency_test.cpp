// Many threads appending to the same and to different streams: per-stream versions and
// per-shard sequences gap-free, every acknowledgement matches the log.
#include <map>
#include <mutex>
#include <thread>

#include "store_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using es::expected_version;

TEST_CASE("concurrent appenders: no lost acknowledgement, no gaps") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path(), 8));
  constexpr int threads = 16, per_thread = 150;
  std::mutex m;
  std::map<std::string, es::position> acked;  // marker -> position
  std::atomic<int> conflicts{0};

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        // Half the traffic hits 3 shared streams with exact versions (read, then append,
        // retrying on conflict), half goes to the thread's own streams.
        const bool shared = i % 2 == 0;
        const std::string stream = shared ? "shared-" + std::to_string(i % 3)
                                          : "own-" + std::to_string(t) + "-" + std::to_string(i % 4);
        const std::string marker = std::to_string(t) + "/" + std::to_string(i);
        for (;;) {
          auto head = s->stream_head(sid(stream));
          REQUIRE(head);
          auto r =
              s->append(request(stream, expected_version::exactly(*head), {marker + "#0", marker + "#1"}));
          if (!r) {
            REQUIRE(r.error().code == es::append_errc::wrong_expected_version);
            ++conflicts;
            continue;
          }
          std::lock_guard lk(m);
          acked[marker + "#0"] = r->positions[0];
          acked[marker + "#1"] = r->positions[1];
          break;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  MESSAGE("version conflicts retried: " << conflicts.load());

  REQUIRE(acked.size() == threads * per_thread * 2);
  std::size_t total = 0;
  for (std::uint32_t sh = 0; sh < 8; ++sh) {
    auto events = s->read_shard(es::shard_id{sh}, es::shard_seq{0}, 1'000'000);
    REQUIRE(events);
    std::map<std::string, std::uint64_t> stream_versions;
    for (std::size_t i = 0; i < events->size(); ++i) {
      const auto& e = (*events)[i];
      CHECK(e.pos.seq.value() == i + 1);
      auto& v = stream_versions[e.stream];
      CHECK(e.version.value() == v + 1);
      v = e.version.value();
      auto it = acked.find(marker_of(e));
      REQUIRE(it != acked.end());
      CHECK(it->second == e.pos);
    }
    total += events->size();
  }
  CHECK(total == acked.size());
  CHECK(s->global_head().value() == total);
}
