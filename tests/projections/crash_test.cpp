// Exactly-once under crash: a child runs a shop with every read model hosted (and now and
// then an operator rebuild) and is killed with SIGKILL at random moments, at least 20 times.
// After each kill the parent restarts the host on the same data, lets it catch up, and
// compares every read model, key by key and value by value, with a model folded from zero
// from the same log into a fresh keyspace.
#include <signal.h>

#include <map>
#include <random>
#include <thread>

#include <mercato/projections/host.hpp>
#include <mercato/projections/registry.hpp>

#include "process.hpp"
#include "projection_fixture.hpp"

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

}  // namespace

TEST_CASE("every read model equals a rebuild from zero after each of 20+ SIGKILLs") {
  temp_dir dir;
  const auto data = dir / "data";
  std::mt19937 rng(std::random_device{}());
  constexpr int kills = 22;
  std::size_t compared_keys = 0;
  std::uint64_t events = 0;
  for (int k = 0; k < kills; ++k) {
    {
      process child(PROJECTIONS_CRASH_CHILD_PATH, {data.string(), std::to_string(rng())}, {},
                    dir / "child.log");
      // Half the kills while setting up or just after, half deep into the load.
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 900));
      child.signal(SIGKILL);
      auto code = child.wait(30s);
      REQUIRE(code);
      REQUIRE_MESSAGE(*code == 128 + SIGKILL, child.output());
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
      for (int i = 0; i < 3000 && host.status(name)->rebuilding; ++i) std::this_thread::sleep_for(10ms);
      REQUIRE_MESSAGE(!host.status(name)->rebuilding, name << " did not finish its rebuild");
      REQUIRE_MESSAGE(host.wait_until(name, at, 60s),
                      name << " did not catch up: " << host.status(name)->last_error.value_or(""));
      CHECK_MESSAGE(!host.status(name)->last_error,
                    name << ": " << host.status(name)->last_error.value_or(""));
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
      for (std::uint32_t sh = 0; sh < store->info().shard_count; ++sh)
        drop.delete_checkpoint(projections::checkpoint_key(prefix, es::shard_id{sh}));
      REQUIRE(store->commit(std::move(drop)));
    }
    events = store->global_head().value();
  }
  MESSAGE(kills << " kills, " << events << " events in the log, " << compared_keys << " keys compared");
  CHECK(events > 1000);
}
