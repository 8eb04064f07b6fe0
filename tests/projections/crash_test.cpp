// Exactly-once under crash: a child runs a shop with every read model hosted (and now and
// then an operator rebuild) and is killed with SIGKILL 24 times: a third of the kills at a
// random moment of its setup (host start, catch-up, engine start), a third once it has
// committed its next 1–150 events (it reports the log's head after every command), a third
// in the middle of a batch of the shared runner that holds several read models (the child
// stops that runner there — folded but not committed, or committed but not yet published —
// and says so). After each kill the parent restarts the host on the same data, lets it
// catch up, and compares every read model, key by key and value by value, with a model
// folded from zero from the same log into a fresh keyspace; and the stream catalog's
// counters must add up to the number of events in the log (no event counted twice or
// lost). The work is bounded by what the child reports, never by time.
#include <signal.h>

#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <mercato/projections/host.hpp>
#include <mercato/projections/registry.hpp>
#include <mercato/projections/streams.hpp>

#include "process.hpp"
#include "projection_fixture.hpp"
#include "wait.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;

namespace {

std::vector<es::position> heads(const es::event_store& s) {
  std::vector<es::position> v;
  for (std::uint32_t i = 0; i < s.info().shard_count; ++i)
    v.push_back(es::position{es::shard_id{i}, s.shard_head(es::shard_id{i})});
  return v;
}

/// Names the first differing key of two models (for the failure message).
std::string first_difference(const std::map<std::string, std::string>& live,
                             const std::map<std::string, std::string>& rebuilt) {
  for (const auto& [k, v] : rebuilt) {
    auto it = live.find(k);
    if (it == live.end()) return "missing in live: " + k;
    if (it->second != v) return "differs at " + k;
  }
  for (const auto& [k, v] : live)
    if (!rebuilt.count(k)) return "only in live: " + k;
  return "none";
}

/// What a child has said so far: whether it is READY, the last log head it reported,
/// whether it holds a runner in the middle of a batch.
struct child_report {
  bool ready = false;
  std::optional<std::uint64_t> head;
  std::optional<std::string> mid_batch;
};

child_report report_of(const std::string& output) {
  child_report r;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // a line cut short by the kill
    if (line == "READY") r.ready = true;
    if (line.rfind("HEAD ", 0) == 0) r.head = std::stoull(line.substr(5));
    if (line.rfind("MIDBATCH ", 0) == 0) r.mid_batch = line.substr(9);
  }
  return r;
}

}  // namespace

TEST_CASE("every read model equals a rebuild from zero after each of 20+ SIGKILLs") {
  temp_dir dir;
  const auto data = dir / "data";
  std::mt19937 rng(std::random_device{}());
  constexpr int kills = 24;
  std::size_t compared_keys = 0;
  std::uint64_t events = 0, waited_for = 0;
  std::chrono::nanoseconds setup_took{0};  // from start to READY, the last time it was seen
  int setup_kills = 0, mid_batch_kills = 0;
  for (int k = 0; k < kills; ++k) {
    std::uint64_t acknowledged = 0;  // the last log head the child reported
    {
      const auto started = std::chrono::steady_clock::now();
      const auto how = k == 0 ? 1 : k == 1 ? 2 : rng() % 3;  // 0 setup, 1 after some events, 2 mid-batch
      std::vector<std::string> args{data.string(), std::to_string(rng())};
      if (how == 2) args.emplace_back("mid-batch");
      process child(PROJECTIONS_CRASH_CHILD_PATH, args, {}, dir / "child.log");
      child_report said;
      std::optional<std::chrono::nanoseconds> ready_after;
      // Reads what the child has said; true when it has exited (by itself: a failure).
      auto look = [&] {
        said = report_of(child.output());
        if (said.ready && !ready_after) ready_after = std::chrono::steady_clock::now() - started;
        return !child.running();
      };
      if (how == 2) {
        // Once it holds a batch of several read models half-way.
        const bool held = wait_until([&] { return look() || said.mid_batch.has_value(); });
        CHECK_MESSAGE((held && said.mid_batch), "kill " << k << ": the child never stopped mid-batch\n"
                                                        << child.output());
        if (said.mid_batch) {
          ++mid_batch_kills;
          MESSAGE("kill " << k << " mid-batch: " << *said.mid_batch);
        }
      } else if (how == 0) {
        // At a random moment of the setup (within the time the last one took), or as soon
        // as it is READY when it is quicker this time.
        ++setup_kills;
        const auto at = std::chrono::nanoseconds(
            static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(setup_took.count() + 1)));
        (void)wait_until([&] { return look() || said.ready; },
                         std::chrono::duration_cast<std::chrono::milliseconds>(at), 1ms);
      } else {
        // Once the child has committed its next 1–150 events.
        const auto target = events + 1 + rng() % 150;
        const bool reached = wait_until([&] { return look() || said.head.value_or(0) >= target; });
        CHECK_MESSAGE(reached, "kill " << k << ": the child reported head " << said.head.value_or(0)
                                       << ", waited for " << target << "\n"
                                       << child.output());
        waited_for = target;
      }
      if (ready_after) setup_took = *ready_after;
      child.signal(SIGKILL);
      auto code = child.wait(30s);
      REQUIRE(code);
      REQUIRE_MESSAGE(*code == 128 + SIGKILL, child.output());
      said = report_of(child.output());
      acknowledged = said.head.value_or(0);
    }

    auto store = open_store(data, 8);
    projections::host_options o;
    o.supervise_every = 5ms;
    o.retire_grace = 0ms;
    auto h = projections::host::start(*store, projections::read_models(), o);
    REQUIRE_MESSAGE(h.has_value(), (h ? "" : h.error().message));
    auto& host = **h;
    const auto names = host.names();
    REQUIRE(names.size() >= 6);
    const auto at = heads(*store);
    for (const auto& name : names) {
      // An interrupted rebuild resumes and swaps; then the serving generation catches up.
      REQUIRE_MESSAGE(wait_until([&] { return !host.status(name)->rebuilding; }),
                      name << " did not finish its rebuild");
      REQUIRE_MESSAGE(host.wait_until(name, at, patience),
                      name << " did not catch up: " << host.status(name)->last_error.value_or(""));
      CHECK_MESSAGE(!host.status(name)->last_error,
                    name << ": " << host.status(name)->last_error.value_or(""));
    }

    // No event counted twice or lost: the stream catalog's counters add up to the log.
    {
      const auto log_events = store->global_head().value();
      projections::streams_query q(*store, host.active_prefix("streams"));
      auto types = q.event_types();
      auto kinds = q.kinds();
      REQUIRE(types.has_value());
      REQUIRE(kinds.has_value());
      std::uint64_t by_type = 0, by_kind = 0;
      for (const auto& t : *types) by_type += t.events;
      for (const auto& kc : *kinds) by_kind += kc.events;
      CHECK_MESSAGE(by_type == log_events,
                    "kill " << k << ": " << by_type << " counted by type, " << log_events << " in the log");
      CHECK_MESSAGE(by_kind == log_events,
                    "kill " << k << ": " << by_kind << " counted by kind, " << log_events << " in the log");
    }

    // Fold every read model from zero into a fresh keyspace and compare all of it.
    auto fresh = projections::read_models();
    REQUIRE(fresh.size() == names.size());
    for (auto& p : fresh) {
      const std::string name(p->name());
      const auto prefix = "verify/" + std::to_string(k) + "/" + name + "/";
      auto folded = projections::fold_offline(*store, *p, prefix);
      REQUIRE_MESSAGE(folded.has_value(), name << ": " << (folded ? "" : folded.error().message));
      const auto live = model(*store, host.active_prefix(name));
      const auto rebuilt = model(*store, prefix);
      CHECK_MESSAGE(live == rebuilt, "kill " << k << ", read model " << name << " (" << live.size()
                                             << " keys live, " << rebuilt.size()
                                             << " rebuilt): " << first_difference(live, rebuilt));
      compared_keys += rebuilt.size();
      es::aux_batch drop;
      drop.delete_projection_range(prefix, projections::prefix_end(prefix));
      projections::delete_checkpoints(drop, prefix, store->info().shard_count);
      REQUIRE(store->commit(std::move(drop)));
    }
    events = store->global_head().value();
    // Every event the child reported committed is in the log (they were synced).
    CHECK_MESSAGE(events >= acknowledged,
                  "kill " << k << ": the child saw head " << acknowledged << ", the log has " << events);
  }
  MESSAGE(kills << " kills (" << setup_kills << " during setup, " << mid_batch_kills << " mid-batch), "
                << events << " events in the log, " << compared_keys << " keys compared");
  CHECK(mid_batch_kills > 0);
  CHECK(events >= waited_for);
}
