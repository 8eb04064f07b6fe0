// Process figures from /proc, read at scrape time (Linux only).
#include <mercato/http/metrics.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

namespace mercato::http {
namespace {

struct proc_stat {
  double cpu_seconds = 0;
  double start_time_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
  double threads = 0;
  bool ok = false;
};

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return 0;
}

proc_stat read_proc_stat() {
  proc_stat s;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return s;
  // Field 2 (comm) is in parentheses and may contain spaces: parse after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  // Fields from 3 on: state(3) ... utime(14) stime(15) ... num_threads(20) ... starttime(22) vsize(23)
  // rss(24)
  std::vector<std::string> fields;
  std::string f;
  while (rest >> f) fields.push_back(f);
  const auto field = [&](std::size_t n) { return n - 3 < fields.size() ? std::stod(fields[n - 3]) : 0.0; };
  if (fields.size() < 22) return s;
  const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  try {
    s.cpu_seconds = (field(14) + field(15)) / ticks;
    s.threads = field(20);
    s.start_time_seconds = boot_time_seconds() + field(22) / ticks;
    s.virtual_bytes = field(23);
    s.resident_bytes = field(24) * page;
    s.ok = true;
  } catch (...) {
    s.ok = false;
  }
  return s;
}

double open_fds() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n > 0 ? n - 1 : 0;  // the iterator's own descriptor
}

}  // namespace

void add_process_collector(registry& r) {
  r.add_collector([](scrape& s) {
    const proc_stat st = read_proc_stat();
    if (st.ok) {
      s.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                st.cpu_seconds);
      s.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
              st.start_time_seconds);
      s.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", st.virtual_bytes);
      s.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", st.resident_bytes);
      s.gauge("process_threads", "Number of OS threads in the process.", st.threads);
    }
    s.gauge("process_open_fds", "Number of open file descriptors.", open_fds());
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      s.gauge("process_max_fds", "Maximum number of open file descriptors.",
              static_cast<double>(limit.rlim_cur));
    }
  });
}

}  // namespace mercato::http
