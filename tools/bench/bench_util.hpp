#pragma once
// Helpers shared by the benchmarks: the machine's description, latency percentiles, and the
// machine-readable mode read by `make bench` (tools/bench/compare.py).
#include <stdlib.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace mercato::bench {

/// "2 cores (AMD EPYC), Linux 6.x": printed with every result table.
inline std::string machine() {
  std::ostringstream out;
  utsname u{};
  uname(&u);
  std::ifstream cpu("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(cpu, line))
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  out << std::thread::hardware_concurrency() << " cores (" << model << "), " << u.sysname << " " << u.release;
  return out.str();
}

/// The p-quantile (0..1) of latencies in nanoseconds, in microseconds. Reorders `ns`.
inline double percentile_us(std::vector<std::int64_t>& ns, double p) {
  if (ns.empty()) return 0;
  const auto idx = static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1));
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(idx), ns.end());
  return static_cast<double>(ns[idx]) / 1000.0;
}

/// One measured value for the `make bench` harness (--json mode of every bench): a
/// line on stdout, flushed at once,
///   {"metric": "<id>", "run": <1-based run>, "value": <number>, "unit": "<unit>"}
/// Units: "ops/s", "events/s", "us", "ms", "bytes", ... (the contract's list); ids and units are
/// constants of the benches (no quotes or backslashes). In that mode everything human goes to
/// stderr. A value that is not a finite number is a failed measurement: said on stderr, exit 1.
inline void emit(std::string_view metric, int run, double value, std::string_view unit) {
  if (!std::isfinite(value)) {
    std::fprintf(stderr, "%.*s (run %d): measured no finite value\n", static_cast<int>(metric.size()),
                 metric.data(), run);
    std::exit(1);
  }
  std::printf("{\"metric\": \"%.*s\", \"run\": %d, \"value\": %.10g, \"unit\": \"%.*s\"}\n",
              static_cast<int>(metric.size()), metric.data(), run, value, static_cast<int>(unit.size()),
              unit.data());
  std::fflush(stdout);
}

/// Scratch directories made by temp_scratch(): removed by remove_scratch(), which also runs at exit.
inline std::vector<std::filesystem::path>& scratch_dirs() {
  static std::vector<std::filesystem::path> dirs;
  return dirs;
}

inline void remove_scratch() {
  std::error_code ec;
  for (const auto& d : scratch_dirs()) std::filesystem::remove_all(d, ec);
  scratch_dirs().clear();
}

/// A fresh directory (mkdtemp) under $TMPDIR or /tmp, named `<name>-XXXXXX`; removed at normal
/// exit and by std::exit. For --json runs (the harness wants data in fresh temporary dirs).
inline std::filesystem::path temp_scratch(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror(("mkdtemp " + pattern).c_str());
    std::exit(1);
  }
  if (scratch_dirs().empty()) std::atexit(remove_scratch);  // registered after the vector exists
  scratch_dirs().emplace_back(pattern);
  return pattern;
}

}  // namespace mercato::bench
