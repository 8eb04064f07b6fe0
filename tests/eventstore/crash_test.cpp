// Crash test: a child appends in a loop and reports acknowledged appends on a pipe; we
// SIGKILL it at random moments (also during open and recovery), reopen the store and
// check that every acknowledged append is there, no command is half-present, and shard
// sequences, stream versions and global positions have no gaps.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "store_fixture.hpp"

using namespace mercato;
using namespace mercato::test;

namespace {

struct ack {
  std::string stream;
  std::uint64_t first_version, count, shard, first_seq, first_global;
};

/// Runs the child for `ms` milliseconds, kills it with SIGKILL, returns its acks.
std::map<std::string, ack> run_and_kill(const std::filesystem::path& dir, int ms) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(CRASH_CHILD_PATH, CRASH_CHILD_PATH, dir.c_str(), "8", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  std::string buffer;
  auto drain = [&] {
    char chunk[65536];
    for (;;) {
      auto n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  drain();  // lines written before the kill are still in the pipe
  close(fds[0]);
  // A child that exits by itself (not killed) failed.
  REQUIRE(WIFSIGNALED(status));

  std::map<std::string, ack> acks;
  std::istringstream in(buffer);
  std::string word, id;
  while (in >> word) {
    REQUIRE(word == "ACK");
    ack a;
    in >> id >> a.stream >> a.first_version >> a.count >> a.shard >> a.first_seq >> a.first_global;
    acks[id] = a;
  }
  return acks;
}

struct parsed_marker {
  std::string command;
  std::size_t index, count;
};
parsed_marker parse(const std::string& m) {
  auto a = m.find(':'), b = m.rfind(':');
  return {m.substr(0, a), std::stoul(m.substr(a + 1, b - a - 1)), std::stoul(m.substr(b + 1))};
}

}  // namespace

TEST_CASE("acknowledged appends survive SIGKILL; no half commands, no gaps") {
  temp_dir dir;
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, ack> all_acks;
  constexpr int kills = 24;
  std::size_t killed_before_any_ack = 0;

  for (int round = 0; round < kills; ++round) {
    // A quarter of the kills land during open and recovery, the rest while appending.
    const int ms = static_cast<int>(rng() % 4 == 0 ? rng() % 60 : 60 + rng() % 300);
    auto acks = run_and_kill(dir.path(), ms);
    if (acks.empty()) ++killed_before_any_ack;
    all_acks.insert(acks.begin(), acks.end());

    auto s = open_store(options_for(dir.path(), 8));
    // 1. Every acknowledged append is present, at the acknowledged place.
    for (const auto& [id, a] : acks) {
      auto events = s->read_stream(sid(a.stream), es::stream_version{a.first_version},
                                   es::read_direction::forward, a.count);
      REQUIRE(events);
      REQUIRE(events->size() == a.count);
      for (std::size_t i = 0; i < a.count; ++i) {
        const auto& e = (*events)[i];
        auto m = parse(marker_of(e));
        CHECK(m.command == id);
        CHECK(m.index == i);
        CHECK(e.pos.shard.value() == a.shard);
        CHECK(e.pos.seq.value() == a.first_seq + i);
        CHECK(e.global.value() == a.first_global + i);
      }
    }
    // 2. Whole commands only, gap-free shards, streams and global positions.
    std::map<std::string, std::vector<std::size_t>> commands;
    std::map<std::string, std::uint64_t> versions;
    std::set<std::uint64_t> globals;
    std::uint64_t total = 0;
    for (std::uint32_t sh = 0; sh < 8; ++sh) {
      auto events = s->read_shard(es::shard_id{sh}, es::shard_seq{0}, 10'000'000);
      REQUIRE(events);
      for (std::size_t i = 0; i < events->size(); ++i) {
        const auto& e = (*events)[i];
        REQUIRE(e.pos.seq.value() == i + 1);
        auto& v = versions[e.stream];
        REQUIRE(e.version.value() == v + 1);
        v = e.version.value();
        REQUIRE(globals.insert(e.global.value()).second);
        auto m = parse(marker_of(e));
        auto& idx = commands[m.command];
        REQUIRE(m.index == idx.size());
        idx.push_back(m.count);
      }
      total += events->size();
    }
    for (const auto& [id, idx] : commands) REQUIRE(idx.size() == idx.front());
    if (total > 0) {
      CHECK(*globals.begin() == 1);
      CHECK(*globals.rbegin() == total);
    }
    CHECK(s->global_head().value() == total);
    for (const auto& [id, a] : all_acks) CHECK(commands.count(id) == 1);
  }
  MESSAGE("acknowledged commands over " << kills << " kills: " << all_acks.size()
                                        << " (rounds killed before any ack: " << killed_before_any_ack
                                        << ")");
  CHECK(all_acks.size() > 0);
}
