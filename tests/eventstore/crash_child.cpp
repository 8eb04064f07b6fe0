// Child process of crash_test: opens the store and says "OPEN", then appends commands of
// 1..5 events in a loop from several threads and reports each acknowledged append on
// stdout, one line per append, written with a single write() (atomic on a pipe). Commands
// are named <run>-<n>, so every run's are distinct. The parent kills it with SIGKILL.
//
// Usage: eventstore_crash_child <data-dir> <shards> <run>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <mercato/eventstore/store.hpp>

#include "sample_events.hpp"

using namespace mercato;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <data-dir> <shards> <run>\n", argv[0]);
    return 2;
  }
  es::store_options o;
  o.data_dir = argv[1];
  o.shard_count = static_cast<std::uint32_t>(std::stoul(argv[2]));
  auto store = es::event_store::open(o);
  if (!store) {
    std::fprintf(stderr, "open failed: %s\n", store.error().message.c_str());
    return 1;
  }
  auto& s = **store;
  if (write(STDOUT_FILENO, "OPEN\n", 5) != 5) std::_Exit(1);
  const std::string run = argv[3];
  std::atomic<std::uint64_t> counter{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(getpid() * 31 + t));
      for (;;) {
        const auto id = run + "-" + std::to_string(counter++);
        const auto stream = "stream-" + std::to_string(rng() % 40);
        const auto n = 1 + rng() % 5;
        es::append_request req{test::sid(stream), es::expected_version::any(), {}, {}, {}};
        for (std::size_t i = 0; i < n; ++i)
          req.events.push_back(test::sample_event(id + ":" + std::to_string(i) + ":" + std::to_string(n)));
        if (rng() % 4 == 0) req.idempotency_key = "k-" + id;
        auto r = s.append(std::move(req));
        if (!r) {
          std::fprintf(stderr, "append failed: %s\n", r.error().message.c_str());
          std::_Exit(1);
        }
        // ACK <command> <stream> <first version> <count> <shard> <first seq> <first global>
        std::string line = "ACK " + id + " " + stream + " " + std::to_string(r->first.value()) + " " +
                           std::to_string(n) + " " + std::to_string(r->positions[0].shard.value()) + " " +
                           std::to_string(r->positions[0].seq.value()) + " " +
                           std::to_string(r->first_global.value()) + "\n";
        if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
          std::_Exit(1);
      }
    });
  }
  for (auto& t : threads) t.join();
}
