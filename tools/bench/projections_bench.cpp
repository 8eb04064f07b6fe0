// Projection benchmark: rebuild rate of every read model from a large
// log of realistic domain events, and live lag under a sustained write load. Prints a
// Markdown section to stdout; --out appends it to a file (docs/benchmarks-detail.md).
//
//   1. Setup: a log of --events events (default 5M) of a synthetic shop, built with the
//      codec library (the same Cap'n Proto events the engine writes): products created, users
//      registered, then purchases — cart adds, checkout, order placed / stock reserved /
//      paid / confirmed with notifications, product reservations, payment requested /
//      authorized, a third shipped (captured, committed) and delivered, a few cancelled and
//      refunded — appended with `durability::async` (setup only; labelled).
//   2. Rebuild: for each read model, a projection_runner with the host's rebuild settings
//      (batches of 4096, async commits) folds the whole log into a fresh keyspace; events/s =
//      events in the log ÷ time to reach the heads. Reference in the same run: reading the
//      whole log through a subscription without applying anything.
//   3. Live lag: a fresh durable (sync) store with the host running every read model; one
//      writer appends purchases at --rate events/s for --seconds; for every append, the time
//      from its acknowledgement until each read model has applied it (host::wait_until).
//
// --json (`make bench`): only the rebuilds of catalog and orders, --runs times on
// the same log, one JSON line per figure per run on stdout, progress on stderr.
//
// --catch-up: instead, --runs times, the host (as mercatod runs it: every read model, async
// commits) starts on the log with no read model built and catches up: events/s and the
// process's CPU time per event of the log, for all read models together. One JSON line per
// figure per run, like --json.
//
// Not a test: nothing asserts on timing.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include <mercato/codec/codec.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/eventstore/subscription.hpp>
#include <mercato/projections/host.hpp>
#include <mercato/projections/registry.hpp>
#include <mercato/projections/runner.hpp>

#include "bench_util.hpp"

namespace fs = std::filesystem;
using namespace mercato;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f" : "%.1f", v);
  return buf;
}

es::event_data to_data(const domain::any_event& e) {
  return codec::to_event_data(e);
}

domain::money eur(std::int64_t cents) {
  static const auto code = *domain::currency_code::parse("EUR");
  return domain::money{cents, code};
}

struct append_job {
  std::string stream;
  std::vector<domain::any_event> events;
};

/// The synthetic shop: deterministic given the seed.
class shop {
 public:
  static constexpr int products = 2000;
  explicit shop(std::uint64_t seed) : rng_(seed) {}

  static std::string pid(int p) { return "prod-" + std::to_string(p); }
  static std::int64_t price(int p) { return 199 + (p * 37) % 5000; }

  static std::vector<append_job> catalog() {
    std::vector<append_job> out;
    static const char* cats[] = {"books", "games", "garden", "kitchen", "music", "toys", "tools", "sports"};
    for (int p = 0; p < products; ++p) {
      domain::product_created c{domain::product_id{pid(p)},
                                "SKU-" + std::to_string(p),
                                "Product " + std::to_string(p),
                                "A well made product number " + std::to_string(p) + " for everyday use",
                                cats[p % 8],
                                eur(price(p)),
                                {"img/" + pid(p) + ".png"},
                                1000000};
      out.push_back({"product/" + pid(p), {c}});
    }
    return out;
  }

  /// The appends of one purchase (and, the first time, its user's registration).
  std::vector<append_job> purchase() {
    const std::uint64_t i = next_++;
    std::vector<append_job> out;
    const std::uint64_t u = i / 4;  // four purchases per user on average, users grow with the log
    const domain::user_id user{"user-" + std::to_string(u)};
    if (i % 4 == 0) {
      const auto email = "shopper" + std::to_string(u) + "@example.com";
      out.push_back(
          {"user/" + user.value(),
           {domain::user_registered{user, email, email, "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA",
                                    domain::role::customer, "Shopper " + std::to_string(u)}}});
    }
    const domain::cart_id cart{"cart-" + user.value()};
    const domain::order_id order{"order-" + std::to_string(i)};
    const domain::payment_id pay{"pay-" + std::to_string(i)};
    const domain::checkout_id co{"co-" + std::to_string(i)};
    const int n_lines = 1 + static_cast<int>(rng_() % 2);
    std::vector<domain::order_line> lines;
    append_job cart_job{"cart/" + cart.value(), {}};
    std::int64_t total = 0;
    for (int l = 0; l < n_lines; ++l) {
      const int p = static_cast<int>((rng_() % products + static_cast<std::uint64_t>(l) * 7) % products);
      const auto qty = static_cast<std::uint32_t>(1 + rng_() % 2);
      lines.push_back(domain::order_line{domain::product_id{pid(p)}, "Product " + std::to_string(p), qty,
                                         eur(price(p)), eur(price(p) * qty)});
      total += price(p) * qty;
      cart_job.events.push_back(domain::cart_item_added{
          cart, user, domain::product_id{pid(p)}, "Product " + std::to_string(p), qty, eur(price(p)), qty});
    }
    cart_job.events.push_back(domain::cart_checked_out{cart, order, co});
    out.push_back(std::move(cart_job));

    const bool declined = rng_() % 20 == 0;
    append_job order_job{"order/" + order.value(),
                         {domain::order_placed{order, user, cart, co, lines, eur(total)}}};
    append_job pay_job{"payment/" + pay.value(),
                       {domain::payment_authorization_requested{pay, order, user, eur(total), "simulated",
                                                                "visa", "**** 4242"}}};
    for (const auto& l : lines)
      out.push_back({"product/" + l.product_id.value(),
                     {domain::product_stock_reserved{l.product_id, order, l.quantity, 0}}});
    if (declined) {
      pay_job.events.push_back(domain::payment_authorization_failed{
          pay, order, domain::payment_failure_reason::declined, "declined"});
      order_job.events.push_back(
          domain::order_cancelled{order, domain::cancel_reason::payment_failed, "declined", user});
      for (const auto& l : lines)
        out.push_back({"product/" + l.product_id.value(),
                       {domain::product_reservation_released{l.product_id, order, l.quantity,
                                                             domain::cancel_reason::payment_failed, "", 0}}});
      order_job.events.push_back(domain::notification_emitted{
          domain::notification_id{"n-pf-" + order.value()}, user, domain::notification_kind::payment_failed,
          order, "Payment failed", "Your payment was declined."});
    } else {
      pay_job.events.push_back(
          domain::payment_authorized{pay, order, eur(total), "ref-" + std::to_string(i)});
      order_job.events.push_back(domain::order_stock_reserved{order});
      order_job.events.push_back(domain::order_payment_authorized{order, pay});
      order_job.events.push_back(domain::order_confirmed{order});
      order_job.events.push_back(domain::notification_emitted{
          domain::notification_id{"n-oc-" + order.value()}, user, domain::notification_kind::order_confirmed,
          order, "Order confirmed", "Thank you for your order."});
      if (i % 3 == 0) {
        order_job.events.push_back(domain::order_shipped{order, "TRK" + std::to_string(i), "DHL"});
        order_job.events.push_back(domain::notification_emitted{
            domain::notification_id{"n-os-" + order.value()}, user, domain::notification_kind::order_shipped,
            order, "Order shipped", "Your order is on its way."});
        pay_job.events.push_back(
            domain::payment_captured{pay, order, eur(total), "cap-" + std::to_string(i)});
        for (const auto& l : lines)
          out.push_back({"product/" + l.product_id.value(),
                         {domain::product_reservation_committed{l.product_id, order, l.quantity}}});
        if (i % 6 == 0) order_job.events.push_back(domain::order_delivered{order});
      }
    }
    out.push_back(std::move(order_job));
    out.push_back(std::move(pay_job));
    out.push_back({"checkout/" + co.value(),
                   {domain::checkout_completed{co, declined ? domain::checkout_outcome::compensated
                                                            : domain::checkout_outcome::confirmed}}});
    return out;
  }

 private:
  std::mt19937_64 rng_;
  std::uint64_t next_ = 0;
};

es::append_request request_of(const append_job& j) {
  es::append_request r{*es::stream_id::make(j.stream), es::expected_version::any(), {}, {}, {}};
  for (const auto& e : j.events) r.events.push_back(to_data(e));
  return r;
}

/// Appends jobs with up to `in_flight` in the writer's queue; returns the first error.
class async_appender {
 public:
  async_appender(es::event_store& s, std::size_t in_flight) : store_(s), limit_(in_flight) {}
  void append(const append_job& j) {
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return pending_ < limit_; });
      ++pending_;
    }
    store_.append_async(request_of(j), [this](es::append_result r) {
      std::lock_guard lock(m_);
      if (!r && error_.empty()) error_ = r.error().message;
      --pending_;
      cv_.notify_all();
    });
  }
  std::string drain() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return pending_ == 0; });
    return error_;
  }

 private:
  es::event_store& store_;
  std::size_t limit_;
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t pending_ = 0;
  std::string error_;
};

std::unique_ptr<es::event_store> open(const fs::path& dir, es::durability mode) {
  es::store_options o;
  o.data_dir = dir;
  o.mode = mode;
  o.block_cache_bytes = 256u << 20;
  auto s = es::event_store::open(o);
  if (!s) {
    std::cerr << "open: " << s.error().message << std::endl;
    std::exit(1);
  }
  return std::move(*s);
}

std::vector<es::position> heads(const es::event_store& s) {
  std::vector<es::position> v;
  for (std::uint32_t i = 0; i < s.info().shard_count; ++i)
    v.push_back(es::position{es::shard_id{i}, s.shard_head(es::shard_id{i})});
  return v;
}

// ---- rebuild ------------------------------------------------------------------------------

double raw_read_rate(const es::event_store& s, std::uint64_t total) {
  std::vector<es::shard_id> shards;
  for (std::uint32_t i = 0; i < s.info().shard_count; ++i) shards.emplace_back(i);
  auto sub = s.subscribe(shards, {});
  std::uint64_t seen = 0;
  const auto t0 = clock_type::now();
  while (seen < total) {
    auto ev = sub->poll(4096, 10ms);
    if (!ev) break;
    seen += ev->size();
  }
  return static_cast<double>(seen) / seconds_since(t0);
}

struct rebuild_figure {
  std::string name;
  double seconds = 0;
  double per_s = 0;
  std::string error;
};

std::size_t g_build_batch = projections::host_options{}.build_batch_events;

rebuild_figure rebuild_one(es::event_store& s, std::shared_ptr<projections::projection> p,
                           std::uint64_t total) {
  rebuild_figure f;
  f.name = std::string(p->name());
  projections::runner_options o;
  o.batch_events = g_build_batch;
  o.commit_mode = projections::host_options{}.build_mode;
  o.readers = projections::host_options{}.build_readers;
  const auto prefix =
      "bench/" + f.name + "/" + std::to_string(clock_type::now().time_since_epoch().count()) + "/";
  const auto target = heads(s);
  const auto t0 = clock_type::now();
  auto r = projections::projection_runner::start(s, std::move(p), prefix, o);
  if (!r) {
    f.error = r.error().message;
    return f;
  }
  while (!(*r)->wait_until(target, 1s)) {
    if (auto e = (*r)->last_error()) {
      f.error = *e;
      return f;
    }
  }
  f.seconds = seconds_since(t0);
  f.per_s = static_cast<double>(total) / f.seconds;
  (*r)->stop();
  es::aux_batch drop;
  drop.delete_projection_range(prefix, projections::prefix_end(prefix));
  (void)s.commit(std::move(drop));
  return f;
}

/// --json: `runs` rebuilds of catalog and orders (fresh read models each run), each emitted as
/// measured; 1 if a rebuild failed.
int json_rebuilds(es::event_store& s, std::uint64_t total, int runs) {
  for (int run = 1; run <= runs; ++run)
    for (auto& p : projections::read_models()) {
      const std::string name(p->name());
      if (name != "catalog" && name != "orders") continue;
      const auto f = rebuild_one(s, p, total);
      if (!f.error.empty()) {
        std::cerr << "rebuild " << name << " failed: " << f.error << std::endl;
        return 1;
      }
      bench::emit("mercato.rebuild." + name, run, f.per_s, "events/s");
      std::cerr << "run " << run << ": rebuild " << name << " " << fmt(f.per_s) << " events/s ("
                << fmt(f.seconds) << " s)" << std::endl;
    }
  return 0;
}

// ---- all read models at once (host catch-up) ----------------------------------------------

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

/// Deletes every generation the host made for `names` (keyspaces and records).
void drop_hosted(es::event_store& s, const std::vector<std::string>& names) {
  es::aux_batch b;
  for (const auto& n : names)
    for (const auto* which : {"active", "building", "retiring"}) {
      const auto record = "proj/" + n + "/" + which;
      auto v = s.load_checkpoint(record);
      if (!v || !*v) continue;
      if (auto ks = projections::parse_keyspace(**v)) {
        const auto prefix = projections::keyspace_prefix(n, *ks);
        b.delete_projection_range(prefix, projections::prefix_end(prefix));
        projections::delete_checkpoints(b, prefix, s.info().shard_count);
      }
      b.delete_checkpoint(record);
    }
  (void)s.commit(std::move(b));
}

struct catch_up_figure {
  double seconds = 0;
  double per_s = 0;
  double cpu_us_per_event = 0;
  std::string error;
};

catch_up_figure catch_up_all(es::event_store& s, std::uint64_t total) {
  catch_up_figure f;
  std::vector<std::string> names;
  for (const auto& p : projections::read_models()) names.emplace_back(p->name());
  drop_hosted(s, names);
  projections::host_options o;
  o.runner.commit_mode = es::durability::async;  // as mercatod
  const auto target = heads(s);
  const auto cpu0 = cpu_seconds();
  const auto t0 = clock_type::now();
  {
    auto h = projections::host::start(s, projections::read_models(), o);
    if (!h) {
      f.error = h.error().message;
      return f;
    }
    for (const auto& n : names)
      while (!(*h)->wait_until(n, target, 1s))
        if (auto e = (*h)->status(n)->last_error) {
          f.error = *e;
          return f;
        }
    f.seconds = seconds_since(t0);
  }
  f.per_s = static_cast<double>(total) / f.seconds;
  f.cpu_us_per_event = (cpu_seconds() - cpu0) * 1e6 / static_cast<double>(total);
  drop_hosted(s, names);
  return f;
}

int json_catch_ups(es::event_store& s, std::uint64_t total, int runs) {
  for (int run = 1; run <= runs; ++run) {
    const auto f = catch_up_all(s, total);
    if (!f.error.empty()) {
      std::cerr << "catch-up failed: " << f.error << std::endl;
      return 1;
    }
    bench::emit("mercato.catchup.all", run, f.per_s, "events/s");
    bench::emit("mercato.catchup.cpu_per_event", run, f.cpu_us_per_event, "us");
    std::cerr << "run " << run << ": every read model caught up at " << fmt(f.per_s) << " events/s ("
              << fmt(f.seconds) << " s), " << fmt(f.cpu_us_per_event) << " us CPU per event" << std::endl;
  }
  return 0;
}

// ---- live lag -----------------------------------------------------------------------------

struct lag_figure {
  std::string name;
  std::vector<std::int64_t> ns;
  std::uint64_t timeouts = 0;
};

struct live_result {
  double events_per_s = 0;
  std::uint64_t appends = 0;
  std::vector<lag_figure> lags;
  std::string error;
};

live_result live_lag(const fs::path& dir, double rate, double seconds) {
  live_result res;
  auto store = open(dir, es::durability::sync);
  {
    async_appender a(*store, 512);
    for (const auto& j : shop::catalog()) a.append(j);
    if (auto e = a.drain(); !e.empty()) res.error = e;
  }
  auto h = projections::host::start(*store, projections::read_models());
  if (!h) {
    res.error = h.error().message;
    return res;
  }
  auto& host = **h;
  for (const auto& n : host.names())
    if (!host.wait_until(n, heads(*store), 60s)) res.error = n + " did not catch up with the catalog";

  // One sampler thread per read model: waits for each acknowledged append in turn.
  struct sample {
    std::vector<es::position> pos;
    clock_type::time_point acked;
  };
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::deque<sample>> queues(host.names().size());
  bool writing = true;
  for (const auto& n : host.names()) res.lags.push_back({n, {}, 0});
  std::vector<std::thread> samplers;
  for (std::size_t k = 0; k < queues.size(); ++k)
    samplers.emplace_back([&, k] {
      for (;;) {
        sample smp;
        {
          std::unique_lock lock(m);
          cv.wait(lock, [&] { return !queues[k].empty() || !writing; });
          if (queues[k].empty()) return;
          smp = std::move(queues[k].front());
          queues[k].pop_front();
        }
        if (host.wait_until(res.lags[k].name, smp.pos, 30s))
          res.lags[k].ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - smp.acked).count());
        else
          ++res.lags[k].timeouts;
      }
    });

  // Open loop: purchases paced to `rate` events/s, each append acknowledged (sync) then sampled.
  shop gen(7);
  std::uint64_t events = 0;
  std::atomic<std::uint64_t> in_flight{0};
  const auto t0 = clock_type::now();
  while (seconds_since(t0) < seconds) {
    for (auto& j : gen.purchase()) {
      while (static_cast<double>(events) > rate * seconds_since(t0)) std::this_thread::sleep_for(200us);
      while (in_flight.load() > 256) std::this_thread::sleep_for(100us);
      events += j.events.size();
      ++in_flight;
      ++res.appends;
      store->append_async(request_of(j), [&](es::append_result r) {
        const auto acked = clock_type::now();
        --in_flight;
        if (!r) return;
        std::lock_guard lock(m);
        for (auto& q : queues) q.push_back({r->positions, acked});
        cv.notify_all();
      });
    }
  }
  while (in_flight.load() > 0) std::this_thread::sleep_for(1ms);
  res.events_per_s = static_cast<double>(events) / seconds_since(t0);
  {
    std::lock_guard lock(m);
    writing = false;
  }
  cv.notify_all();
  for (auto& t : samplers) t.join();
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Mercato projection benchmark: rebuild rate per read model, live lag under load"};
  bool quick = false;
  std::string out_file, dir = "bench-data-projections";
  std::uint64_t events = 0;
  double rate = 2000, seconds = 0;
  app.add_flag("--quick", quick, "small sizes: finishes in well under a minute (harness check)");
  app.add_option("--out", out_file, "append the Markdown section to this file");
  app.add_option("--dir", dir, "scratch directory (its contents are removed afterwards)");
  app.add_option("--events", events, "events in the rebuild log (default 5000000, quick 200000)");
  app.add_option("--rate", rate, "events/s appended during the live-lag phase");
  app.add_option("--seconds", seconds, "length of the live-lag phase (default 20, quick 3)");
  std::vector<std::string> models;
  bool no_live = false, json = false;
  int runs = 3;
  app.add_option("--models", models, "rebuild only these read models (default: all)");
  app.add_flag("--no-live", no_live, "skip the live-lag phase (e.g. for profiling rebuilds)");
  app.add_option("--build-batch", g_build_batch,
                 "events per rebuild batch (default: host_options::build_batch_events)");
  app.add_flag(
      "--json", json,
      "only the catalog and orders rebuilds, --runs times on one log, one JSON line per figure per run "
      "on stdout (make bench); scratch in a fresh temp dir unless --dir");
  app.add_option("--runs", runs, "with --json: rebuilds of each read model on the same log")
      ->check(CLI::Range(1, 15));
  bool catch_up = false;
  app.add_flag("--catch-up", catch_up,
               "instead of --json's rebuilds: --runs catch-ups of every read model at once through the host "
               "(events/s, CPU per event), JSON lines like --json");
  CLI11_PARSE(app, argc, argv);
  if (catch_up) json = true;
  if (events == 0) events = quick ? 200000 : json ? 1000000 : 5000000;
  if (seconds == 0) seconds = quick ? 3 : 20;

  std::string command = "projections_bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  const fs::path scratch =
      json && app.count("--dir") == 0 ? bench::temp_scratch("mercato-projections-bench") : fs::absolute(dir);
  fs::remove_all(scratch);
  fs::create_directories(scratch);

  // 1. The log.
  auto store = open(scratch / "rebuild", es::durability::async);
  const auto t_setup = clock_type::now();
  std::uint64_t purchases = 0;
  {
    async_appender a(*store, 1024);
    for (const auto& j : shop::catalog()) a.append(j);
    shop gen(42);
    while (store->global_head().value() < events) {
      for (int b = 0; b < 1000; ++b, ++purchases)
        for (const auto& j : gen.purchase()) a.append(j);
      if (auto e = a.drain(); !e.empty()) {
        std::cerr << "setup append failed: " << e << std::endl;
        return 1;
      }
    }
  }
  const std::uint64_t total = store->global_head().value();
  std::cerr << "log: " << total << " events (" << purchases << " purchases) in "
            << fmt(seconds_since(t_setup)) << " s" << std::endl;

  if (json) {
    const int rc = catch_up ? json_catch_ups(*store, total, runs) : json_rebuilds(*store, total, runs);
    store.reset();
    fs::remove_all(scratch);
    return rc;
  }

  // 2. Rebuild per read model, against reading the log alone.
  const double raw = raw_read_rate(*store, total);
  std::cerr << "raw read: " << fmt(raw) << " events/s" << std::endl;
  std::vector<rebuild_figure> rebuilds;
  for (auto& p : projections::read_models()) {
    if (!models.empty() && std::find(models.begin(), models.end(), std::string(p->name())) == models.end())
      continue;
    rebuilds.push_back(rebuild_one(*store, p, total));
    const auto& f = rebuilds.back();
    std::cerr << "rebuild " << f.name << ": " << fmt(f.per_s) << " events/s (" << fmt(f.seconds) << " s)"
              << (f.error.empty() ? "" : " ERROR " + f.error) << std::endl;
  }
  store.reset();

  // 3. Live lag.
  live_result live;
  if (!no_live) live = live_lag(scratch / "live", rate, seconds);
  std::cerr << "live: " << fmt(live.events_per_s) << " events/s appended"
            << (live.error.empty() ? "" : " ERROR " + live.error) << std::endl;

  std::ostringstream md;
  md << "## Projections\n\n"
     << "Measured by `" << command << "` on " << bench::machine() << ".\n\n"
     << "### Rebuild rate per read model\n\n"
     << "Log: " << total << " events of a synthetic shop (" << shop::products << " products, " << purchases
     << " purchases: registrations, cart adds, checkouts, orders placed / reserved / paid / confirmed, "
     << "notifications, stock reservations, payments, a third shipped and captured, 5% declined and "
     << "cancelled), encoded with the codec library, 64 shards, appended with `durability::async` (setup "
        "only). "
     << "Each read model is folded from zero by a `projection_runner` with the host's rebuild settings "
     << "(batches of " << g_build_batch << " events, async commits until the swap) "
     << "into a fresh keyspace; events/s = all events in the log ÷ time to reach the shard heads. "
     << "Reference: reading the whole log through one subscription without applying anything, same run.\n\n"
     << "| read model | seconds | events/s | ÷ raw read | target |\n|---|---|---|---|---|\n";
  for (const auto& f : rebuilds) {
    const bool targeted = f.name == "catalog" || f.name == "orders";
    md << "| " << f.name << " | " << fmt(f.seconds) << " | "
       << (f.error.empty() ? fmt(f.per_s) : "error: " + f.error) << " | " << fmt(f.per_s / raw * 100)
       << "% | " << (targeted ? (f.per_s >= 300000 ? "≥ 300k: **met**" : "≥ 300k: **not met**") : "—")
       << " |\n";
  }
  md << "| (raw read of the log) | " << fmt(static_cast<double>(total) / raw) << " | " << fmt(raw)
     << " | 100% | |\n\n";

  md << "### Live lag under a sustained write load\n\n"
     << "A fresh store in `durability::sync`, the host running every read model (default options: batches of "
     << projections::runner_options{}.batch_events
     << ", synced commits). One thread appends the same shop's purchases, "
     << "paced to " << fmt(rate) << " events/s for " << fmt(seconds) << " s (achieved "
     << fmt(live.events_per_s) << " events/s, " << live.appends
     << " appends, up to 256 in flight). Lag = from an append's acknowledgement "
     << "(durable) until `host::wait_until` sees the read model has applied it; every append is measured for "
        "every "
     << "read model.\n\n"
     << "| read model | samples | p50 ms | p99 ms | max ms | timeouts |\n|---|---|---|---|---|---|\n";
  for (auto& l : live.lags) {
    const auto n = l.ns.size();
    const double p50 = bench::percentile_us(l.ns, 0.5) / 1000, p99 = bench::percentile_us(l.ns, 0.99) / 1000,
                 mx = bench::percentile_us(l.ns, 1.0) / 1000;
    md << "| " << l.name << " | " << n << " | " << fmt(p50) << " | " << fmt(p99) << " | " << fmt(mx) << " | "
       << l.timeouts << " |\n";
  }
  if (!live.error.empty()) md << "\nError during the live phase: " << live.error << "\n";
  md << "\n";

  std::cout << md.str();
  if (!out_file.empty()) std::ofstream(out_file, std::ios::app) << md.str();
  fs::remove_all(scratch);
}
