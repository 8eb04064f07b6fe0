// Actor-runtime benchmark: the in-process engine (actors::engine) on a real event store in
// durable (sync) mode, in a scratch directory. Prints a Markdown section to stdout; --out
// appends it to a file (e.g. docs/benchmarks-detail.md, after eventstore_bench has rewritten it).
//
//   1. add-to-cart across many carts, N in flight, against the store's raw append_async rate
//      at the same concurrency measured in the same run (target ≥ 0.5×);
//   2. full checkouts (1–2 add-to-carts, then engine::checkout), 64 in flight;
//   3. rehydration of a product with 10k events, without and with a snapshot (target < 2 ms
//      with);
//   4. memory per live entity and RSS after the carts were passivated.
//
// Not a test: figures depend on the machine and nothing asserts on timing. Figures of 1 and 2
// are medians of --runs runs (min–max in brackets), each run on a fresh store; 3 is the median
// of --rehydrations fresh engine starts; 4 is measured once. Load is driven from one thread
// with a bounded number of requests in flight; answers come back through callbacks that only
// record the time and free the slot.
//
// --json (`make bench`): only 3 and 4, --runs times each (3 on a fresh store per
// run, its figure the median of that run's starts; 4 without waiting for passivation), one
// JSON line per figure per run on stdout, progress on stderr.
#include <malloc.h>
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <mercato/actors/engine.hpp>
#include <mercato/codec/codec.hpp>
#include <mercato/domain/money.hpp>
#include <mercato/eventstore/store.hpp>

#include "bench_util.hpp"
#include "sample_events.hpp"

namespace fs = std::filesystem;
using namespace mercato;
using clock_type = std::chrono::steady_clock;

namespace {

// ---- small helpers -----------------------------------------------------------------------

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

[[noreturn]] void die(const std::string& what) {
  std::cerr << "actors_bench: " << what << std::endl;
  bench::remove_scratch();  // --json's temp dir, if any
  std::_Exit(1);            // actor and writer threads may still run: no destructors
}

std::string fmt(double v, int prec = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string mib(std::int64_t bytes) {
  return fmt(static_cast<double>(bytes) / (1024.0 * 1024.0), 1) + " MiB";
}

std::size_t pick(std::mt19937_64& rng, std::size_t n) {
  return static_cast<std::size_t>(rng() % n);
}

/// VmRSS of this process in bytes.
std::int64_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return 0;
}

std::string describe(const actors::command_error& e) {
  return std::string(e.what == actors::command_error::kind::refused ? "refused " : "unavailable ") +
         std::string(domain::wire_name(e.error.code)) + ": " + e.error.message;
}

/// Median and range of one figure over several runs.
struct spread {
  double median = 0, lo = 0, hi = 0;
};
spread spread_of(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}
std::string show(const spread& s, int prec = 0) {
  return fmt(s.median, prec) + " (" + fmt(s.lo, prec) + "–" + fmt(s.hi, prec) + ")";
}

// ---- load driving ----------------------------------------------------------------------

/// Bounds the requests in flight and records each one's latency. `finish` runs on the
/// thread that answers (CAF worker, store writer): it takes one short lock.
class tracker {
 public:
  tracker(std::size_t ops, std::size_t limit) : latencies_(ops, 0), limit_(limit) {}

  void acquire() {
    std::unique_lock lk(mutex_);
    cv_.wait(lk, [&] { return busy_ < limit_; });
    ++busy_;
  }
  void finish(std::size_t i, std::int64_t start, bool ok, std::string error) {
    const auto end = now_ns();
    std::lock_guard lk(mutex_);
    latencies_[i] = end - start;
    if (!ok) {
      ++failed_;
      if (first_error_.empty()) first_error_ = std::move(error);
    }
    --busy_;
    cv_.notify_all();  // under the lock: the tracker may be destroyed right after drain()
  }
  void drain() {
    std::unique_lock lk(mutex_);
    cv_.wait(lk, [&] { return busy_ == 0; });
  }
  std::vector<std::int64_t>& latencies() { return latencies_; }
  std::uint64_t failed() const { return failed_; }
  const std::string& first_error() const { return first_error_; }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::int64_t> latencies_;
  std::size_t limit_;
  std::size_t busy_ = 0;
  std::uint64_t failed_ = 0;
  std::string first_error_;
};

struct throughput {
  double per_s = 0, p50_us = 0, p99_us = 0;
  std::uint64_t ops = 0, failed = 0;
};

throughput summarize(tracker& t, double secs) {
  throughput r;
  r.ops = t.latencies().size();
  r.failed = t.failed();
  r.per_s = static_cast<double>(r.ops - r.failed) / secs;
  r.p50_us = bench::percentile_us(t.latencies(), 0.50);
  r.p99_us = bench::percentile_us(t.latencies(), 0.99);
  return r;
}

/// Runs `ops` add-to-carts, (user, product) = pick_pair(i), through tracker `t`; returns
/// the wall time in seconds.
template <class PickPair>
double run_add_to_cart(actors::engine& e, tracker& t, std::size_t ops, PickPair pick_pair) {
  const auto t0 = clock_type::now();
  for (std::size_t i = 0; i < ops; ++i) {
    auto [user, product] = pick_pair(i);
    t.acquire();
    const auto start = now_ns();
    e.add_to_cart(user, product, 1, {}, [&t, i, start](actors::reply<domain::cart_state> r) {
      t.finish(i, start, r.has_value(), r ? std::string() : describe(r.error()));
    });
  }
  t.drain();
  return seconds_since(t0);
}

// ---- store and engine ------------------------------------------------------------------

std::unique_ptr<es::event_store> open_store(const fs::path& dir, es::durability mode = es::durability::sync) {
  es::store_options o;
  o.data_dir = dir;
  o.mode = mode;
  auto s = es::event_store::open(o);
  if (!s) die("cannot open the store in " + dir.string() + ": " + s.error().message);
  return std::move(*s);
}

actors::engine_options base_options() {
  actors::engine_options o;
  o.password = {1, 8192};  // libsodium's minimum (no passwords are hashed here anyway)
  return o;
}

std::unique_ptr<actors::engine> start_engine(es::event_store& store, actors::engine_options o) {
  auto e = actors::engine::start(store, std::move(o));
  if (!e) die("cannot start the engine: " + e.error());
  return std::move(*e);
}

/// Creates products p0..p{n-1} with `stock` units each, 64 at a time.
std::vector<domain::product_id> create_products(actors::engine& e, std::size_t n, std::int64_t stock) {
  std::vector<domain::product_id> ids;
  for (std::size_t i = 0; i < n; ++i) ids.emplace_back("p" + std::to_string(i));
  tracker t(n, 64);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& id = ids[i];
    domain::create_product c{id,
                             "SKU-" + id.value(),
                             "Product " + id.value(),
                             "A benchmark product",
                             "bench",
                             *domain::make_money(1000 + static_cast<std::int64_t>(i), "EUR"),
                             {},
                             stock};
    t.acquire();
    const auto start = now_ns();
    e.send(id, domain::product_command{std::move(c)}, {},
           [&t, i, start](actors::reply<domain::product_state> r) {
             t.finish(i, start, r.has_value(), r ? std::string() : describe(r.error()));
           });
  }
  t.drain();
  if (t.failed() > 0) die("creating products failed: " + t.first_error());
  return ids;
}

es::writer_stats minus(const es::writer_stats& a, const es::writer_stats& b) {
  es::writer_stats d;
  d.batches = a.batches - b.batches;
  d.requests = a.requests - b.requests;
  d.events = a.events - b.events;
  return d;
}
double per_batch(const es::writer_stats& d) {
  return d.batches == 0 ? 0.0 : static_cast<double>(d.requests) / static_cast<double>(d.batches);
}

// ---- 1 + 2: commands ---------------------------------------------------------------------

struct sizes {
  std::size_t products = 100;
  std::size_t carts = 0;
  std::size_t ops = 0;
  std::size_t in_flight = 256;
  std::size_t checkouts = 0;
  std::size_t checkout_in_flight = 64;
  std::uint32_t events = 10000;
  std::size_t rehydrations = 0;
  std::size_t memory_carts = 0;
  std::int64_t passivate_ms = 0;
};

struct checkout_result {
  throughput t;
  std::uint64_t confirmed = 0, compensated = 0;
  std::string first_error;
};

/// Each purchase: a fresh user adds 1–2 distinct products (1 unit each), then checks out
/// with tok_visa. `in_flight` purchases at a time; the next step is issued by this thread
/// when the callback of the previous one has posted its answer.
checkout_result drive_checkouts(actors::engine& e, const std::vector<domain::product_id>& products,
                                std::size_t n, std::size_t in_flight, std::uint64_t seed) {
  struct job {
    domain::user_id user;
    std::vector<domain::product_id> items;
    std::size_t next = 0;
    std::int64_t checkout_start = 0;
  };
  struct answer {
    std::size_t slot;
    bool checkout;
    bool ok;
    bool compensated;
    std::int64_t end_ns;
    std::string error;
  };
  struct inbox {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<answer> items;
    void push(answer a) {
      std::lock_guard lk(mutex);
      items.push_back(std::move(a));
      cv.notify_all();
    }
    std::vector<answer> take() {
      std::unique_lock lk(mutex);
      cv.wait(lk, [&] { return !items.empty(); });
      return std::exchange(items, {});
    }
  };

  std::mt19937_64 rng(seed);
  std::vector<job> jobs(n);
  for (std::size_t i = 0; i < n; ++i) {
    jobs[i].user = domain::user_id{"k" + std::to_string(i)};
    const auto a = pick(rng, products.size());
    jobs[i].items.push_back(products[a]);
    if (products.size() > 1 && rng() % 2 == 1) {
      auto b = pick(rng, products.size());
      while (b == a) b = pick(rng, products.size());
      jobs[i].items.push_back(products[b]);
    }
  }
  inbox box;
  checkout_result res;
  std::vector<std::int64_t> lat;
  lat.reserve(n);
  auto issue = [&](std::size_t j) {
    auto& jb = jobs[j];
    if (jb.next < jb.items.size()) {
      e.add_to_cart(jb.user, jb.items[jb.next], 1, {}, [&box, j](actors::reply<domain::cart_state> r) {
        box.push({j, false, r.has_value(), false, now_ns(), r ? std::string() : describe(r.error())});
      });
      return;
    }
    jb.checkout_start = now_ns();
    e.checkout(jb.user, "tok_visa", {}, [&box, j](actors::reply<domain::checkout_state> r) {
      const auto end = now_ns();
      const bool completed = r && r->state.step == domain::checkout_step::completed;
      box.push({j, true, completed && r->state.outcome == domain::checkout_outcome::confirmed,
                completed && r->state.outcome == domain::checkout_outcome::compensated, end,
                r ? std::string(completed ? "" : "answered before completing") : describe(r.error())});
    });
  };

  std::size_t started = 0, finished = 0;
  const auto t0 = clock_type::now();
  while (started < std::min(n, in_flight)) issue(started++);
  while (finished < n) {
    for (auto& a : box.take()) {
      if (!a.checkout && a.ok) {
        ++jobs[a.slot].next;
        issue(a.slot);
        continue;
      }
      if (a.checkout) lat.push_back(a.end_ns - jobs[a.slot].checkout_start);
      if (a.ok) {
        ++res.confirmed;
      } else if (a.compensated) {
        ++res.compensated;
      } else if (res.first_error.empty()) {
        res.first_error = a.error;
      }
      ++finished;
      if (started < n) issue(started++);
    }
  }
  const double secs = seconds_since(t0);
  res.t.ops = n;
  res.t.failed = n - res.confirmed;
  res.t.per_s = static_cast<double>(res.confirmed) / secs;
  res.t.p50_us = bench::percentile_us(lat, 0.50);
  res.t.p99_us = bench::percentile_us(lat, 0.99);
  return res;
}

struct commands_run {
  throughput add, raw;
  checkout_result checkout;
  double add_per_batch = 0, raw_per_batch = 0;
  std::string add_error, raw_error;
};

commands_run commands_once(const fs::path& dir, const sizes& z, std::uint64_t seed) {
  fs::remove_all(dir);
  commands_run out;
  auto store = open_store(dir);
  auto e = start_engine(*store, base_options());
  const auto products = create_products(*e, z.products, 1'000'000);

  // Add-to-cart for random (user, product) over z.carts carts.
  std::vector<domain::user_id> users;
  for (std::size_t i = 0; i < z.carts; ++i) users.emplace_back("u" + std::to_string(i));
  {
    std::mt19937_64 rng(seed);
    tracker t(z.ops, z.in_flight);
    const auto before = store->stats();
    const double secs = run_add_to_cart(*e, t, z.ops, [&](std::size_t) {
      return std::pair{users[pick(rng, users.size())], products[pick(rng, products.size())]};
    });
    out.add = summarize(t, secs);
    out.add_per_batch = per_batch(minus(store->stats(), before));
    out.add_error = t.first_error();
  }

  // The store's raw rate: the same number of 1-event appends (~200 bytes), same concurrency.
  {
    std::mt19937_64 rng(seed + 1);
    const auto event = test::sample_event("raw", 200);
    std::vector<es::stream_id> streams;
    for (std::size_t i = 0; i < z.carts; ++i) streams.push_back(test::sid("raw/" + std::to_string(i)));
    tracker t(z.ops, z.in_flight);
    const auto before = store->stats();
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < z.ops; ++i) {
      es::append_request req{
          streams[pick(rng, streams.size())], es::expected_version::any(), {event}, {}, {}};
      t.acquire();
      const auto start = now_ns();
      store->append_async(std::move(req), [&t, i, start](es::append_result r) {
        t.finish(i, start, r.has_value(), r ? std::string() : r.error().message);
      });
    }
    t.drain();
    out.raw = summarize(t, seconds_since(t0));
    out.raw_per_batch = per_batch(minus(store->stats(), before));
    out.raw_error = t.first_error();
  }

  out.checkout = drive_checkouts(*e, products, z.checkouts, z.checkout_in_flight, seed + 2);
  e.reset();
  store.reset();
  fs::remove_all(dir);
  return out;
}

// ---- 3: rehydration ------------------------------------------------------------------------

es::event_data restock_event(const domain::product_id& id, std::uint32_t new_stock) {
  return codec::to_event_data(domain::product_event{domain::product_restocked{id, 1u, new_stock}});
}

/// Starts a fresh engine on `store` and times engine::get(id) from the call to its answer.
double first_get_us(es::event_store& store, const domain::product_id& id, std::uint64_t expect_version,
                    std::uint32_t expect_available) {
  auto o = base_options();
  o.snapshot_every = std::numeric_limits<std::uint32_t>::max();
  auto e = start_engine(store, o);
  std::int64_t end = 0;
  const auto start = now_ns();
  auto r = actors::await<domain::product_state>([&](auto done) {
    e->get(id, [&end, done](actors::reply<domain::product_state> got) {
      end = now_ns();
      done(std::move(got));
    });
  });
  if (!r) die("get after restart failed: " + describe(r.error()));
  if (r->version.value() != expect_version || r->state.stock != expect_available)
    die("rebuilt product at version " + std::to_string(r->version.value()) + " with " +
        std::to_string(r->state.stock) + " available; expected " + std::to_string(expect_version) + " and " +
        std::to_string(expect_available));
  e.reset();
  return static_cast<double>(end - start) / 1000.0;
}

struct rehydration_result {
  std::uint64_t events = 0;  // in the stream before the snapshot
  std::uint64_t snapshot_version = 0;
  std::vector<double> full_us, snap_us;
};

rehydration_result rehydration(const fs::path& dir, const sizes& z) {
  fs::remove_all(dir);
  rehydration_result out;
  auto store = open_store(dir);
  const domain::product_id id{"hot"};
  const auto stream = *es::stream_id::make(actors::stream_of(id));
  {
    auto o = base_options();
    o.snapshot_every = std::numeric_limits<std::uint32_t>::max();
    auto e = start_engine(*store, o);
    auto r = actors::await<domain::product_state>([&](auto done) {
      e->send(id,
              domain::product_command{domain::create_product{id,
                                                             "SKU-hot",
                                                             "Hot product",
                                                             "Restocked a lot",
                                                             "bench",
                                                             *domain::make_money(500, "EUR"),
                                                             {},
                                                             0}},
              {}, done);
    });
    if (!r) die("creating the product failed: " + describe(r.error()));
  }
  // z.events - 1 restocks of 1 unit, appended straight to the store 1000 per append.
  std::uint64_t version = 1;
  std::uint32_t available = 0;
  while (version < z.events) {
    es::append_request req{stream, es::expected_version::exactly(es::stream_version{version}), {}, {}, {}};
    while (req.events.size() < 1000 && version + req.events.size() < z.events)
      req.events.push_back(restock_event(id, ++available));
    auto r = store->append(std::move(req));
    if (!r) die("appending restocks failed: " + r.error().message);
    version = r->last.value();
  }
  out.events = version;
  if (auto s = store->load_snapshot(stream); !s || *s) die("expected no snapshot of the product yet");

  for (std::size_t i = 0; i < z.rehydrations; ++i)
    out.full_us.push_back(first_get_us(*store, id, version, available));

  // One more restock through an engine that snapshots after every event.
  {
    auto o = base_options();
    o.snapshot_every = 1;
    auto e = start_engine(*store, o);
    auto r = actors::await<domain::product_state>(
        [&](auto done) { e->send(id, domain::product_command{domain::restock_product{1}}, {}, done); });
    if (!r) die("restock failed: " + describe(r.error()));
    for (int i = 0; i < 1000 && e->stats().snapshots == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ++version;
  ++available;
  auto snap = store->load_snapshot(stream);
  if (!snap || !*snap) die("the engine stored no snapshot");
  out.snapshot_version = (*snap)->version.value();
  if (out.snapshot_version != version) die("snapshot at version " + std::to_string(out.snapshot_version));

  for (std::size_t i = 0; i < z.rehydrations; ++i)
    out.snap_us.push_back(first_get_us(*store, id, version, available));
  store.reset();
  fs::remove_all(dir);
  return out;
}

// ---- 4: memory ---------------------------------------------------------------------------

struct memory_result {
  std::uint64_t carts = 0, failed = 0;
  std::chrono::milliseconds passivate_after{0};
  double create_s = 0, wait_s = 0;
  std::uint64_t live_before = 0, peak_live = 0, live_after = 0, passivated = 0, snapshots = 0;
  std::int64_t rss_before = 0, rss_at_peak = 0, rss_max = 0, rss_after = 0, rss_trimmed = 0;
  bool timed_out = false;
  std::string first_error;
};

/// RSS delta ÷ entities added, at the peak of live entities.
double bytes_per_entity(const memory_result& m) {
  const auto active = m.peak_live > m.live_before ? m.peak_live - m.live_before : 0;
  return active == 0 ? 0.0 : static_cast<double>(m.rss_at_peak - m.rss_before) / static_cast<double>(active);
}

/// Creates z.memory_carts carts, then (if `wait`) waits until they passivated.
memory_result memory(const fs::path& dir, const sizes& z, std::chrono::milliseconds passivate_after,
                     bool wait = true) {
  fs::remove_all(dir);
  memory_result out;
  out.carts = z.memory_carts;
  out.passivate_after = passivate_after;
  auto store = open_store(dir);
  auto o = base_options();
  o.passivate_after = passivate_after;
  auto e = start_engine(*store, o);
  const auto products = create_products(*e, z.products, 1'000'000);
  std::mt19937_64 rng(42);
  tracker t(z.memory_carts, z.in_flight);  // allocated before the baseline

  malloc_trim(0);  // earlier sections' freed memory would otherwise be reused unseen
  out.rss_before = rss_bytes();
  out.live_before = e->stats().live_entities;
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling.load()) {
      const auto live = e->stats().live_entities;
      const auto rss = rss_bytes();
      if (live > out.peak_live) {
        out.peak_live = live;
        out.rss_at_peak = rss;
      }
      out.rss_max = std::max(out.rss_max, rss);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  out.create_s = run_add_to_cart(*e, t, z.memory_carts, [&](std::size_t i) {
    return std::pair{domain::user_id{"m" + std::to_string(i)}, products[pick(rng, products.size())]};
  });
  out.failed = t.failed();
  out.first_error = t.first_error();
  std::cerr << "  memory: " << z.memory_carts << " carts created in " << fmt(out.create_s, 1) << " s, live "
            << e->stats().live_entities << ", RSS " << mib(rss_bytes())
            << (wait ? "; waiting for passivation" : "") << std::endl;
  if (!wait) {  // the carts are all live now (passivate_after is longer than the creation)
    sampling = false;
    sampler.join();
    const auto live = e->stats().live_entities;
    const auto rss = rss_bytes();
    if (live >= out.peak_live) {
      out.peak_live = live;
      out.rss_at_peak = rss;
    }
    out.rss_max = std::max(out.rss_max, rss);
    const auto t_stop = clock_type::now();
    e.reset();
    store.reset();
    fs::remove_all(dir);
    std::cerr << "  memory: engine with " << live << " live entities stopped and store closed in "
              << fmt(seconds_since(t_stop), 1) << " s" << std::endl;
    return out;
  }

  // Wait until every cart has passivated and the snapshots they wrote have settled, then
  // one more idle tick: a passivated actor's pending timer still holds it until it fires.
  const auto t0 = clock_type::now();
  const auto limit = 2 * passivate_after + std::chrono::minutes(15);
  std::uint64_t last_snapshots = ~std::uint64_t{0};
  int stable = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const auto s = e->stats();
    stable = s.snapshots == last_snapshots ? stable + 1 : 0;
    last_snapshots = s.snapshots;
    if (s.live_entities <= out.live_before && stable >= 4) break;
    if (clock_type::now() - t0 > limit) {
      out.timed_out = true;
      break;
    }
  }
  std::this_thread::sleep_for(passivate_after / 2 + std::chrono::seconds(1));
  sampling = false;
  sampler.join();
  out.wait_s = seconds_since(t0);
  const auto s = e->stats();
  out.live_after = s.live_entities;
  out.passivated = s.passivated;
  out.snapshots = s.snapshots;
  out.rss_after = rss_bytes();
  malloc_trim(0);
  out.rss_trimmed = rss_bytes();
  e.reset();
  store.reset();
  fs::remove_all(dir);
  return out;
}

/// Stop and passivation: how long stopping an engine with `stop_carts` live carts takes, and
/// how soon after the last command `idle_carts` idle carts are all passivated (as a multiple
/// of passivate_after; 1.0 is the earliest possible), with RSS before, at the peak, after,
/// and after malloc_trim.
struct lifecycle_result {
  std::uint64_t stop_live = 0;
  double stop_s = 0;
  std::uint64_t idle_carts = 0, idle_failed = 0, idle_peak_live = 0;
  std::chrono::milliseconds passivate_after{0};
  double create_s = 0, passivated_after_s = 0;
  bool timed_out = false;
  std::int64_t rss_before = 0, rss_peak = 0, rss_after = 0, rss_trimmed = 0;
};

lifecycle_result lifecycle(const fs::path& dir, const sizes& z, std::size_t stop_carts,
                           std::size_t idle_carts, std::chrono::milliseconds passivate_after) {
  lifecycle_result out;
  {  // stop with many live entities
    fs::remove_all(dir);
    auto store = open_store(dir);
    auto o = base_options();
    o.passivate_after = std::chrono::hours(1);
    auto e = start_engine(*store, o);
    const auto products = create_products(*e, z.products, 1'000'000);
    tracker t(stop_carts, z.in_flight);
    std::mt19937_64 rng(7);
    run_add_to_cart(*e, t, stop_carts, [&](std::size_t i) {
      return std::pair{domain::user_id{"s" + std::to_string(i)}, products[pick(rng, products.size())]};
    });
    out.stop_live = e->stats().live_entities;
    const auto t0 = clock_type::now();
    e.reset();
    out.stop_s = seconds_since(t0);
    std::cerr << "  stop: engine with " << out.stop_live << " live entities stopped in " << fmt(out.stop_s, 2)
              << " s" << std::endl;
  }
  {  // passivation of many idle entities (created without fsync, so that they are all live at
     // once: what is measured is the passivation, not the appends)
    fs::remove_all(dir);
    auto store = open_store(dir, es::durability::async);
    auto o = base_options();
    o.passivate_after = passivate_after;
    auto e = start_engine(*store, o);
    const auto products = create_products(*e, z.products, 1'000'000);
    tracker t(idle_carts, z.in_flight);
    std::mt19937_64 rng(8);
    malloc_trim(0);
    out.rss_before = rss_bytes();
    const auto live_before = e->stats().live_entities;
    out.idle_carts = idle_carts;
    out.passivate_after = passivate_after;
    out.create_s = run_add_to_cart(*e, t, idle_carts, [&](std::size_t i) {
      return std::pair{domain::user_id{"i" + std::to_string(i)}, products[pick(rng, products.size())]};
    });
    out.idle_failed = t.failed();
    const auto t_last = clock_type::now();
    out.idle_peak_live = e->stats().live_entities - live_before;
    out.rss_peak = rss_bytes();
    std::cerr << "  passivation: " << idle_carts << " carts created in " << fmt(out.create_s, 1) << " s, RSS "
              << mib(out.rss_peak) << "; waiting" << std::endl;
    const auto limit = 3 * passivate_after + std::chrono::minutes(30);
    for (;;) {
      out.rss_peak = std::max(out.rss_peak, rss_bytes());
      if (e->stats().live_entities <= live_before) break;
      if (clock_type::now() - t_last > limit) {
        out.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    out.passivated_after_s = seconds_since(t_last);
    // The node gives freed memory back on its own after a sweep that retired many: give it
    // a few sweeps' time before reading RSS.
    std::this_thread::sleep_for(std::max(std::chrono::milliseconds(1000), passivate_after / 5));
    out.rss_after = rss_bytes();
    malloc_trim(0);
    out.rss_trimmed = rss_bytes();
    std::cerr << "  passivation: all passivated " << fmt(out.passivated_after_s, 1)
              << " s after the last command ("
              << fmt(out.passivated_after_s * 1000.0 / static_cast<double>(passivate_after.count()), 2)
              << "x passivate_after); RSS " << mib(out.rss_after) << ", trimmed " << mib(out.rss_trimmed)
              << std::endl;
    e.reset();
  }
  fs::remove_all(dir);
  return out;
}

/// --json: `runs` × (rehydration on a fresh store, memory of z.memory_carts live carts).
int json_figures(const fs::path& scratch, const sizes& z, int runs) {
  for (int run = 1; run <= runs; ++run) {
    const auto r = rehydration(scratch / "rehydration", z);
    const double full = spread_of(r.full_us).median, snap = spread_of(r.snap_us).median;
    bench::emit("mercato.rehydrate.full_10k_us", run, full, "us");
    bench::emit("mercato.rehydrate.snapshot_us", run, snap, "us");
    std::cerr << "run " << run << ": rehydration of " << r.events << " events: full replay " << fmt(full)
              << " us, with snapshot " << fmt(snap) << " us (median of " << z.rehydrations << " starts)"
              << std::endl;

    const auto m = memory(scratch / "memory", z, std::chrono::hours(1), false);
    if (m.failed > 0) {
      std::cerr << "actors_bench: " << m.failed << " add-to-carts failed: " << m.first_error << std::endl;
      return 1;
    }
    const double per_cart = bytes_per_entity(m);
    if (per_cart <= 0) {
      std::cerr << "actors_bench: no live carts or no RSS growth measured" << std::endl;
      return 1;
    }
    bench::emit("mercato.actor.bytes_per_cart", run, per_cart, "bytes");
    std::cerr << "run " << run << ": " << m.peak_live - m.live_before << " live carts, RSS "
              << mib(m.rss_before) << " -> " << mib(m.rss_at_peak) << ": " << fmt(per_cart) << " bytes/cart"
              << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Mercato actor-runtime benchmark (in-process engine on a durable event store)"};
  bool quick = false;
  std::string out_file, dir = "bench-data-actors";
  int runs = 3;
  sizes z;
  std::vector<std::string> sections{"commands", "rehydration", "memory"};
  bool json = false;
  app.add_flag("--quick", quick, "small sizes: finishes in well under a minute (harness check)");
  app.add_option("--out", out_file, "append the Markdown section to this file");
  app.add_option("--dir", dir,
                 "scratch directory on the disk to measure (its contents are removed afterwards)");
  app.add_option("--runs", runs,
                 "runs of the command figures (median reported); with --json: of every figure")
      ->check(CLI::Range(1, 15));
  app.add_option("--sections", sections, "any of: commands rehydration memory lifecycle (not by default)");
  std::size_t stop_carts = 0, idle_carts = 0;
  std::int64_t idle_passivate_ms = 60000;
  app.add_option("--stop-carts", stop_carts, "lifecycle: live carts when the engine stops (default 200000)");
  app.add_option("--idle-carts", idle_carts, "lifecycle: idle carts to passivate (default 1000000)");
  app.add_option("--idle-passivate-ms", idle_passivate_ms, "lifecycle: their passivate_after (default 60000)")
      ->check(CLI::Range(100, 3600000));
  app.add_option("--products", z.products, "products to create")->check(CLI::Range(1, 100000));
  app.add_option("--carts", z.carts, "carts for add-to-cart (default 10000, quick 1000)");
  app.add_option("--ops", z.ops, "add-to-carts (and raw appends) per run (default 5 x carts)");
  app.add_option("--in-flight", z.in_flight, "add-to-carts / raw appends in flight")
      ->check(CLI::Range(1, 100000));
  app.add_option("--checkouts", z.checkouts, "checkouts per run (default 5000, quick 500)");
  app.add_option("--checkout-in-flight", z.checkout_in_flight, "purchases in flight")
      ->check(CLI::Range(1, 10000));
  app.add_option("--events", z.events, "events of the rehydrated product")->check(CLI::Range(2, 10000000));
  app.add_option("--rehydrations", z.rehydrations,
                 "fresh engine starts per rehydration figure (default 9, quick 5)");
  app.add_option("--memory-carts", z.memory_carts,
                 "carts of the memory figure (default 1000000, quick 20000)");
  app.add_option("--passivate-ms", z.passivate_ms,
                 "passivate_after of the memory figure; 0 = long enough for every cart to be live at once");
  app.add_flag("--json", json,
               "only rehydration and bytes per live cart, --runs times, one JSON line per figure per run on "
               "stdout (make bench); memory carts default 200000 (quick 20000); scratch in a fresh temp dir "
               "unless --dir");
  CLI11_PARSE(app, argc, argv);

  if (json && z.memory_carts == 0) z.memory_carts = quick ? 20000 : 200000;
  if (z.carts == 0) z.carts = quick ? 1000 : 10000;
  if (z.ops == 0) z.ops = 5 * z.carts;
  if (z.checkouts == 0) z.checkouts = quick ? 500 : 5000;
  if (z.rehydrations == 0) z.rehydrations = quick ? 5 : 9;
  if (z.memory_carts == 0) z.memory_carts = quick ? 20000 : 1000000;
  if (stop_carts == 0) stop_carts = quick ? 20000 : 200000;
  if (idle_carts == 0) idle_carts = quick ? 20000 : 1000000;
  auto wants = [&](const std::string& s) {
    return std::find(sections.begin(), sections.end(), s) != sections.end();
  };

  std::string command = "actors_bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  const fs::path scratch =
      json && app.count("--dir") == 0 ? bench::temp_scratch("mercato-actors-bench") : fs::absolute(dir);
  fs::create_directories(scratch);
  if (json) {
    const int rc = json_figures(scratch, z, runs);
    std::error_code ec;
    fs::remove(scratch, ec);  // only if empty, as below
    return rc;
  }

  std::ostringstream md;
  md << "## Actor runtime (in-process, durable)\n\n"
     << "Measured by `" << command << "` on " << bench::machine()
     << ". Event store: `durability::sync` (fsync "
     << "before acknowledging), 64 shards, on the scratch directory's disk; engine: "
     << base_options().scheduler_threads << " CAF scheduler threads + " << base_options().loader_threads
     << " loader threads. Load comes from one thread with a bounded number of requests in flight; "
     << "latency is from the call to its callback.\n\n";

  double add_rate = 0;
  if (wants("commands")) {
    std::vector<commands_run> rs;
    for (int i = 0; i < runs; ++i) {
      rs.push_back(commands_once(scratch / "commands", z, 1000 + static_cast<std::uint64_t>(i)));
      const auto& r = rs.back();
      std::cerr << "run " << i + 1 << ": add-to-cart " << fmt(r.add.per_s) << "/s p99 " << fmt(r.add.p99_us)
                << " us; raw append " << fmt(r.raw.per_s) << "/s; checkout " << fmt(r.checkout.t.per_s)
                << "/s p99 " << fmt(r.checkout.t.p99_us) << " us (" << r.checkout.confirmed << " confirmed)"
                << std::endl;
      if (!r.add_error.empty()) std::cerr << "  add-to-cart error: " << r.add_error << std::endl;
      if (!r.raw_error.empty()) std::cerr << "  append error: " << r.raw_error << std::endl;
      if (!r.checkout.first_error.empty())
        std::cerr << "  checkout error: " << r.checkout.first_error << std::endl;
    }
    auto col = [&](auto get) {
      std::vector<double> v;
      for (const auto& r : rs) v.push_back(get(r));
      return spread_of(v);
    };
    const auto add = col([](const commands_run& r) { return r.add.per_s; });
    const auto raw = col([](const commands_run& r) { return r.raw.per_s; });
    const auto co = col([](const commands_run& r) { return r.checkout.t.per_s; });
    const auto ratio = col([](const commands_run& r) { return r.add.per_s / r.raw.per_s; });
    add_rate = add.median;
    std::uint64_t add_failed = 0, raw_failed = 0, co_confirmed = 0, co_compensated = 0, co_total = 0;
    for (const auto& r : rs) {
      add_failed += r.add.failed;
      raw_failed += r.raw.failed;
      co_confirmed += r.checkout.confirmed;
      co_compensated += r.checkout.compensated;
      co_total += r.checkout.t.ops;
    }
    md << "### Commands\n\n"
       << "Median of " << runs << " runs, each on a fresh store with " << z.products << " products.\n\n"
       << "| workload | in flight | per run | per second (min–max) | p50 µs | p99 µs | not ok (all runs) |\n"
       << "|---|---|---|---|---|---|---|\n"
       << "| `engine::add_to_cart`, random (user, product) over " << z.carts << " carts | " << z.in_flight
       << " | " << z.ops << " | " << show(add) << " | "
       << fmt(col([](const commands_run& r) { return r.add.p50_us; }).median) << " | "
       << fmt(col([](const commands_run& r) { return r.add.p99_us; }).median) << " | " << add_failed << " |\n"
       << "| raw `event_store::append_async`, 1 event of ~200 B, random stream of " << z.carts << " | "
       << z.in_flight << " | " << z.ops << " | " << show(raw) << " | "
       << fmt(col([](const commands_run& r) { return r.raw.p50_us; }).median) << " | "
       << fmt(col([](const commands_run& r) { return r.raw.p99_us; }).median) << " | " << raw_failed << " |\n"
       << "| checkout: 1–2 add-to-carts then `engine::checkout(tok_visa)` | " << z.checkout_in_flight << " | "
       << z.checkouts << " | " << show(co) << " | "
       << fmt(col([](const commands_run& r) { return r.checkout.t.p50_us; }).median) << " | "
       << fmt(col([](const commands_run& r) { return r.checkout.t.p99_us; }).median) << " | "
       << co_total - co_confirmed << " (" << co_compensated << " compensated) |\n\n"
       << "- add-to-cart ÷ raw append rate (same run): **" << fmt(ratio.median, 2) << "×** ("
       << fmt(ratio.lo, 2) << "–" << fmt(ratio.hi, 2)
       << "); target ≥ 0.5×: " << (ratio.median >= 0.5 ? "**met**" : "**not met**") << ".\n"
       << "- Group commit: " << fmt(col([](const commands_run& r) { return r.add_per_batch; }).median, 1)
       << " appends per synced batch during add-to-cart, "
       << fmt(col([](const commands_run& r) { return r.raw_per_batch; }).median, 1)
       << " during raw appends.\n"
       << "- An add-to-cart is a read of the product's actor, then a command to the cart's actor "
       << "(one durable append). The first add to a cart spawns and rebuilds its actor.\n"
       << "- Checkouts per second count confirmed checkouts over the whole phase, their add-to-carts "
       << "included; latency is from `engine::checkout` to its answer (the saga completed). Products have "
       << "stock for every checkout.\n\n";
  }

  if (wants("rehydration")) {
    std::cerr << "rehydration: " << z.events << " events" << std::endl;
    const auto r = rehydration(scratch / "rehydration", z);
    const auto full = spread_of(r.full_us), snap = spread_of(r.snap_us);
    std::cerr << "  full replay " << fmt(full.median) << " us, with snapshot " << fmt(snap.median) << " us"
              << std::endl;
    md << "### Rehydration\n\n"
       << "A product whose stream holds " << r.events << " events (created, then " << r.events - 1
       << " restocks appended straight to the store). Each figure: a fresh `engine::start` on the open store "
       << "(RocksDB block cache warm), then `engine::get(product)` timed from the call to its answer, which "
       << "spawns the actor and rebuilds it; median of " << z.rehydrations << " starts (min–max).\n\n"
       << "| case | events replayed | time to first answer µs (min–max) |\n|---|---|---|\n"
       << "| no snapshot (`snapshot_every` = 2³²−1): full replay | " << r.events << " | " << show(full)
       << " |\n"
       << "| snapshot at version " << r.snapshot_version << " (written by the engine) | 0 | " << show(snap)
       << " |\n\n"
       << "Target with a snapshot < 2 ms: " << (snap.median < 2000 ? "**met**" : "**not met**") << ".\n\n";
  }

  if (wants("memory")) {
    const double rate = add_rate > 0 ? add_rate : 10000.0;
    std::chrono::milliseconds passivate{z.passivate_ms};
    if (z.passivate_ms <= 0)
      passivate = std::chrono::milliseconds(std::max<std::int64_t>(
          2000, static_cast<std::int64_t>(3000.0 * static_cast<double>(z.memory_carts) / rate)));
    std::cerr << "memory: " << z.memory_carts << " carts, passivate_after " << passivate.count() << " ms"
              << std::endl;
    const auto m = memory(scratch / "memory", z, passivate);
    const double per_entity = bytes_per_entity(m);
    md << "### Memory\n\n"
       << m.carts << " carts created by one `engine::add_to_cart` each (new user per cart, " << z.in_flight
       << " in flight), `passivate_after` = " << m.passivate_after.count() << " ms"
       << (z.passivate_ms <= 0 ? " (chosen from the add-to-cart rate so that the carts are live together)"
                               : "")
       << "; RSS is VmRSS, sampled every 20 ms. Measured once.\n\n"
       << "| | value |\n|---|---|\n"
       << "| carts created | " << m.carts << " in " << fmt(m.create_s, 1) << " s ("
       << fmt(static_cast<double>(m.carts - m.failed) / m.create_s) << "/s), " << m.failed << " failed |\n"
       << "| RSS before (after `malloc_trim`) | " << mib(m.rss_before) << " |\n"
       << "| peak live entities | " << m.peak_live << " (" << m.live_before << " before) |\n"
       << "| RSS at peak | " << mib(m.rss_at_peak) << " (max " << mib(m.rss_max) << ") |\n"
       << "| **bytes per active entity** (RSS delta ÷ entities added at peak) | **" << fmt(per_entity)
       << "** |\n"
       << "| after passivation | " << m.live_after << " live, " << m.passivated << " passivated, "
       << m.snapshots << " snapshots written, " << fmt(m.wait_s, 1) << " s after the last cart"
       << (m.timed_out ? " (**timed out** waiting)" : "") << " |\n"
       << "| **RSS after passivation** | **" << mib(m.rss_after) << "** |\n"
       << "| RSS after passivation + `malloc_trim(0)` | " << mib(m.rss_trimmed) << " |\n\n"
       << "The RSS delta includes everything the creation touched besides the actors (the store's "
       << "memtables and block cache, the writer's queues); the load driver's latency array was "
       << "allocated before the baseline. The wait after the last cart includes `passivate_after`, an idle "
       << "tick and any snapshot writes at passivation (only entities with a long unsnapshotted tail write "
       << "one, without fsync). glibc keeps freed memory until `malloc_trim`.\n\n";
    std::cerr << "  peak live " << m.peak_live << ", " << fmt(per_entity)
              << " bytes/entity, RSS after passivation " << mib(m.rss_after) << std::endl;
  }

  if (wants("lifecycle")) {
    std::cerr << "lifecycle: stop with " << stop_carts << " live carts, passivation of " << idle_carts
              << " idle carts (passivate_after " << idle_passivate_ms << " ms)" << std::endl;
    const auto l = lifecycle(scratch / "lifecycle", z, stop_carts, idle_carts,
                             std::chrono::milliseconds(idle_passivate_ms));
    const double over = l.passivated_after_s * 1000.0 / static_cast<double>(l.passivate_after.count());
    md << "### Stop and passivation\n\n"
       << "| | value |\n|---|---|\n"
       << "| engine stop with " << l.stop_live << " live entities | **" << fmt(l.stop_s, 2) << " s** |\n"
       << "| " << l.idle_carts << " carts created without fsync (" << l.idle_failed << " failed) | "
       << fmt(l.create_s, 1) << " s, " << l.idle_peak_live << " live when the last was added |\n"
       << "| all passivated after the last command | **" << fmt(l.passivated_after_s, 1)
       << " s = " << fmt(over, 2) << "× passivate_after** (" << l.passivate_after.count() << " ms)"
       << (l.timed_out ? ", **timed out**" : "") << " |\n"
       << "| RSS before / at peak / after / after `malloc_trim` | " << mib(l.rss_before) << " / "
       << mib(l.rss_peak) << " / " << mib(l.rss_after) << " / " << mib(l.rss_trimmed) << " |\n\n";
  }

  std::error_code ec;
  fs::remove(scratch, ec);  // only if empty: never delete what this run did not create

  std::cout << md.str();
  if (!out_file.empty()) {
    std::ofstream f(out_file, std::ios::app);
    f << "\n" << md.str();
    if (!f) die("cannot append to " + out_file);
    std::cerr << "appended to " << out_file << std::endl;
  }
  return 0;
}
