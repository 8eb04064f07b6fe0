#pragma once
// Helpers shared by the benchmarks: the machine's description and latency percentiles.
#include <sys/utsname.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
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

} // namespace mercato::bench
