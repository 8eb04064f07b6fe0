// Crash test: a child appends in a loop and reports acknowledged appends on a pipe; we
// SIGKILL it at chosen moments — after it has acknowledged its next N appends, or while it
// opens and recovers the store — reopen the store and check that every acknowledged append
// is there, no command is half-present, and shard sequences, stream versions and global
// positions have no gaps. Each round is bounded by what the child reports, never by time,
// so the test does the same work on a fast machine and under ASan.
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
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;

namespace {

struct ack {
  std::string stream;
  std::uint64_t first_version, count, shard, first_seq, first_global;
};

/// When a round's child is killed: once it has acknowledged `acks` appends; or, when `acks`
/// is 0, `during_open` after its start or as soon as it says its store is open, whichever
/// comes first.
struct kill_plan {
  std::size_t acks = 0;
  std::chrono::nanoseconds during_open{0};
};

struct round_result {
  std::map<std::string, ack> acks;
  /// From the start to the child's "OPEN" line, when the round saw it.
  std::optional<std::chrono::nanoseconds> open_took;
};

/// Runs the child (its commands named `<run>-<n>`), kills it with SIGKILL as `plan` says,
/// returns what it acknowledged.
round_result run_and_kill(const std::filesystem::path& dir, const std::string& run, const kill_plan& plan) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(CRASH_CHILD_PATH, CRASH_CHILD_PATH, dir.c_str(), "8", run.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  std::string buffer;
  round_result result;
  std::size_t acked = 0, scanned = 0;
  // Reads what the child wrote so far; counts whole ACK lines, notes the OPEN line.
  auto drain = [&] {
    char chunk[65536];
    for (;;) {
      auto n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    for (auto eol = buffer.find('\n', scanned); eol != std::string::npos; eol = buffer.find('\n', scanned)) {
      if (buffer.compare(scanned, 4, "ACK ") == 0) ++acked;
      if (buffer.compare(scanned, 5, "OPEN\n") == 0 && !result.open_took)
        result.open_took = std::chrono::steady_clock::now() - started;
      scanned = eol + 1;
    }
  };
  int status = 0;
  bool exited = false;  // by itself: a failure, reported below
  auto child_exited = [&] { return exited || (exited = waitpid(pid, &status, WNOHANG) == pid); };
  if (plan.acks > 0) {
    const bool reached = wait_until([&] {
      drain();
      return acked >= plan.acks || child_exited();
    });
    CHECK_MESSAGE(reached, "the child acknowledged " << acked << " of " << plan.acks << " appends in "
                                                     << patience.count() << " ms");
  } else {
    (void)wait_until(
        [&] {
          drain();
          return result.open_took.has_value() || child_exited();
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(plan.during_open),
        std::chrono::milliseconds(1));
  }
  if (!exited) {
    REQUIRE(kill(pid, SIGKILL) == 0);
    REQUIRE(waitpid(pid, &status, 0) == pid);
  }
  drain();  // lines written before the kill are still in the pipe
  close(fds[0]);
  // A child that exits by itself (not killed) failed.
  REQUIRE_MESSAGE(WIFSIGNALED(status), "the child exited by itself with status " << WEXITSTATUS(status));

  std::istringstream in(buffer.substr(0, scanned));  // a line cut by the kill is not an ack
  std::string word, id;
  while (in >> word) {
    if (word == "OPEN") continue;
    REQUIRE(word == "ACK");
    ack a;
    in >> id >> a.stream >> a.first_version >> a.count >> a.shard >> a.first_seq >> a.first_global;
    result.acks[id] = a;
  }
  REQUIRE(result.acks.size() >= plan.acks);
  return result;
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
  std::size_t killed_while_opening = 0, planned_acks = 0;
  std::chrono::nanoseconds open_took{0};  // the last round's, from its OPEN line

  for (int round = 0; round < kills; ++round) {
    // A quarter of the kills land at a random moment while the child opens and recovers the
    // store (within the time the last open took here), the rest once it has acknowledged
    // its next 1–300 appends.
    kill_plan plan;
    if (round > 0 && rng() % 4 == 0) {
      plan.during_open = std::chrono::nanoseconds(
          static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(open_took.count() + 1)));
      ++killed_while_opening;
    } else {
      plan.acks = 1 + rng() % 300;
      planned_acks += plan.acks;
    }
    auto [acks, opened] = run_and_kill(dir.path(), "r" + std::to_string(round), plan);
    if (opened) open_took = *opened;
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
  MESSAGE("acknowledged commands over " << kills << " kills: " << all_acks.size() << " (" << planned_acks
                                        << " waited for; " << killed_while_opening
                                        << " rounds killed while opening)");
  CHECK(all_acks.size() >= planned_acks);
}
