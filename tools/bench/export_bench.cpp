// Export throughput of the `mercato` tool: a log of N real domain events
// (CartItemAdded over 100k carts, ~150-byte events; built with async durability — setup
// only), then the real `mercato events export` binary to /dev/null in each format, against
// the event store's own merged read of the same log in this process (the reference: what
// any export must at least do). Median of --runs runs, min–max. Prints a Markdown section;
// --out appends it to a file. --json: only the raw and NDJSON exports for `make bench`
// (tools/bench/compare.py), one JSON line per figure per run on stdout, progress on stderr.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include <mercato/codec/codec.hpp>
#include <mercato/eventstore/envelope.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/eventstore/subscription.hpp>

#include "bench_util.hpp"

using namespace mercato;
using clk = std::chrono::steady_clock;

namespace {

es::event_data cart_event(std::uint64_t n) {
  static const auto eur = *domain::currency_code::parse("EUR");
  domain::cart_item_added added;
  added.cart_id = domain::cart_id{"u-" + std::to_string(n % 100000)};
  added.product_id = domain::product_id{"prod-" + std::to_string(100 + n % 900)};
  added.product_name = "Pour-Over Coffee Maker " + std::to_string(n % 97);
  added.quantity = static_cast<std::uint32_t>(1 + n % 3);
  added.line_quantity = static_cast<std::uint32_t>(1 + n % 5);
  added.unit_price = domain::money{static_cast<std::int64_t>(999 + n % 5000), eur};
  return codec::to_event_data(domain::cart_event{std::move(added)});
}

/// Fills the store in `dir` up to `events` events (kept when it already holds enough); returns
/// the events in the log.
std::uint64_t build_log(const std::filesystem::path& dir, std::uint64_t events) {
  es::store_options o;
  o.data_dir = dir;
  o.mode = es::durability::async;
  auto store = es::event_store::open(o);
  if (!store) throw std::runtime_error(store.error().message);
  const auto have = (*store)->global_head().value();
  if (have >= events) return have;
  std::fprintf(stderr, "building a log of %llu events (async durability, setup only)...\n",
               static_cast<unsigned long long>(events));
  std::atomic<std::uint64_t> inflight{0};
  constexpr std::uint64_t per_append = 50;
  for (std::uint64_t n = have; n < events; n += per_append) {
    es::append_request r{
        .stream = *es::stream_id::make("cart/u-" + std::to_string((n / per_append) % 100000)),
        .expected = es::expected_version::any(),
        .events = {},
        .idempotency_key = {},
        .correlation_id = {}};
    for (std::uint64_t i = n; i < std::min(events, n + per_append); ++i) r.events.push_back(cart_event(i));
    while (inflight.load() > 2000) std::this_thread::sleep_for(std::chrono::microseconds(200));
    ++inflight;
    (*store)->append_async(std::move(r), [&](es::append_result res) {
      if (!res) std::fprintf(stderr, "append failed: %s\n", res.error().message.c_str());
      --inflight;
    });
  }
  while (inflight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return (*store)->global_head().value();
}

/// The reference: merged read of the whole log, every envelope decoded (its event's schema id
/// read; the event itself is opaque to the store).
double reference_read(const std::filesystem::path& dir, std::uint64_t& count) {
  es::store_options o;
  o.data_dir = dir;
  o.read_only = true;
  auto store = es::event_store::open(o);
  if (!store) throw std::runtime_error(store.error().message);
  const auto t0 = clk::now();
  auto reader = (*store)->read_all(es::global_position{0});
  if (!reader) throw std::runtime_error(reader.error().message);
  count = 0;
  std::uint64_t sink = 0;
  for (;;) {
    auto page = (*reader)->next(4096);
    if (!page || page->empty()) break;
    for (const auto& e : *page) {
      es::envelope_reader r(e);
      sink += r.schema_id();
      ++count;
    }
  }
  if (sink == 1) std::fputs("", stderr);
  return std::chrono::duration<double>(clk::now() - t0).count();
}

double run_tool(const std::string& tool, const std::filesystem::path& dir, const std::string& format) {
  const auto t0 = clk::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execl(tool.c_str(), tool.c_str(), "events", "export", "-d", dir.c_str(), "-f", format.c_str(), "-o",
          "/dev/null", "-q", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("mercato export failed");
  return std::chrono::duration<double>(clk::now() - t0).count();
}

/// --json: the log built once, then `runs` raw and NDJSON exports, each emitted as measured.
int json_figures(const std::string& tool, const std::filesystem::path& dir, std::uint64_t events, int runs) {
  try {
    const auto t0 = clk::now();
    const auto total = static_cast<double>(build_log(dir, events));
    std::fprintf(stderr, "log of %.0f events ready in %.1f s\n", total,
                 std::chrono::duration<double>(clk::now() - t0).count());
    for (int run = 1; run <= runs; ++run) {
      const double raw = total / run_tool(tool, dir, "capnp");
      bench::emit("mercato.export.raw", run, raw, "events/s");
      const double ndjson = total / run_tool(tool, dir, "ndjson");
      bench::emit("mercato.export.ndjson", run, ndjson, "events/s");
      std::fprintf(stderr, "run %d: raw %.0f events/s, ndjson %.0f events/s\n", run, raw, ndjson);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "export_bench: %s\n", e.what());
    return 1;
  }
}

struct figure {
  double median = 0, min = 0, max = 0;
};
figure summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"export throughput of the mercato tool"};
  std::uint64_t events = 5'000'000;
  int runs = 3;
  bool quick = false;
  std::string out_file, dir_s;
  std::string tool = MERCATO_TOOL_PATH;
  app.add_option("--events", events, "events in the log");
  app.add_option("--runs", runs, "runs per figure (median, min–max)")->check(CLI::Range(1, 15));
  bool json = false;
  app.add_flag("--quick", quick, "200k events, 1 run (with --json: 200k events, --runs runs)");
  app.add_flag("--json", json,
               "only the raw and NDJSON exports, one JSON line per figure per run on stdout (make bench); "
               "default 2M events");
  app.add_option("--out", out_file, "append the Markdown section to this file");
  app.add_option("--data-dir", dir_s, "keep the log here (reused when it already holds enough events)");
  app.add_option("--tool", tool, "the mercato binary");
  CLI11_PARSE(app, argc, argv);
  if (json && app.count("--events") == 0) events = 2'000'000;
  if (quick) {
    events = 200'000;
    if (!json) runs = 1;
  }
  const bool temp = dir_s.empty();
  const std::filesystem::path dir =
      !temp  ? std::filesystem::path(dir_s)
      : json ? bench::temp_scratch("mercato-export-bench")  // removed at exit
             : std::filesystem::temp_directory_path() / ("mercato-export-bench-" + std::to_string(getpid()));
  if (json) return json_figures(tool, dir, events, runs);
  build_log(dir, events);

  std::uint64_t count = 0;
  std::vector<double> ref, capnp_t, ndjson_t, csv_t;
  for (int i = 0; i < runs; ++i) {
    ref.push_back(reference_read(dir, count));
    capnp_t.push_back(run_tool(tool, dir, "capnp"));
    ndjson_t.push_back(run_tool(tool, dir, "ndjson"));
    csv_t.push_back(run_tool(tool, dir, "csv"));
  }
  const auto n = static_cast<double>(count);
  const auto r = summarize(ref);
  std::ostringstream md;
  md << "\n## Export (`mercato events export`)\n\n"
     << "Machine: " << bench::machine() << ". Log: " << count
     << " CartItemAdded events over 100k carts (~150 B each, 64 shards). The tool runs as its own process "
        "writing to /dev/null; the reference is the event store's merged read of the same log with every "
        "envelope decoded, in the bench process. Median of "
     << runs << " run(s) (min–max). Command: `"
     << "build/tools/bench/export_bench" << (quick ? " --quick" : "") << "`.\n\n"
     << "| what | events/s | min–max | vs reference read |\n|---|---:|---:|---:|\n";
  auto row = [&](const char* what, const std::vector<double>& t) {
    const auto f = summarize(t);
    char line[256];
    std::snprintf(line, sizeof line, "| %s | %.0f | %.0f–%.0f | %.2f× |\n", what, n / f.median, n / f.max,
                  n / f.min, r.median / f.median);
    md << line;
  };
  row("reference: merged read + decode", ref);
  row("export raw Cap'n Proto", capnp_t);
  row("export NDJSON", ndjson_t);
  row("export CSV", csv_t);
  md << "\nTargets (docs/product.md): ≥ 1M events/s raw, ≥ 300k events/s NDJSON.\n";
  std::cout << md.str();
  if (!out_file.empty()) std::ofstream(out_file, std::ios::app) << md.str();
  if (temp) std::filesystem::remove_all(dir);
  return 0;
}
