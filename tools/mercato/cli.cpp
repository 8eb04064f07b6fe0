#include "cli.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace mercato::tool {

std::atomic<bool> interrupted{false};

namespace {
void on_signal(int) {
  interrupted.store(true);
}
}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed pipe (| head) is a write error, handled as such
}

std::int64_t parse_time(const std::string& text, const std::string& what) {
  auto bad = [&] {
    return tool_error(exit_usage, what + ": '" + text +
                                      "' is not a time; use RFC 3339 (2026-11-29T19:58:26Z, "
                                      "2026-11-29T20:58:26.5+01:00), a date (2026-11-29) or @<unix seconds>");
  };
  if (text.empty()) throw bad();
  if (text[0] == '@') {
    // Whole seconds with up to nine decimals, exactly (a double loses ~240 ns at today's
    // epoch, enough to land before an event's own timestampNs).
    const auto dot = text.find('.');
    const auto whole = text.substr(1, dot == std::string::npos ? std::string::npos : dot - 1);
    const auto frac = dot == std::string::npos ? std::string() : text.substr(dot + 1);
    auto digits = [](const std::string& d) {
      return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!whole.empty() && whole.size() <= 10 && digits(whole) && frac.size() <= 9 && digits(frac) &&
        (dot == std::string::npos || !frac.empty())) {
      std::int64_t ns = std::stoll(whole) * 1'000'000'000;
      if (!frac.empty()) ns += std::stoll(frac + std::string(9 - frac.size(), '0'));
      return ns;
    }
    try {  // anything else a number can be (a sign, an exponent)
      std::size_t used = 0;
      const double secs = std::stod(text.substr(1), &used);
      if (used != text.size() - 1 || !std::isfinite(secs)) throw bad();
      return static_cast<std::int64_t>(std::llround(secs * 1e9));
    } catch (const std::logic_error&) {
      throw bad();
    }
  }
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (!rest) throw bad();
  std::int64_t frac_ns = 0;
  std::int64_t offset_s = 0;
  if (*rest == 'T' || *rest == 't' || *rest == ' ') {
    rest = strptime(rest + 1, "%H:%M:%S", &tm);
    if (!rest) throw bad();
    if (*rest == '.') {
      ++rest;
      std::int64_t scale = 100'000'000;
      if (*rest < '0' || *rest > '9') throw bad();
      while (*rest >= '0' && *rest <= '9') {
        frac_ns += (*rest - '0') * scale;
        scale /= 10;
        ++rest;
      }
    }
    if (*rest == 'Z' || *rest == 'z') {
      ++rest;
    } else if (*rest == '+' || *rest == '-') {
      const int sign = *rest == '-' ? -1 : 1;
      int hh = 0, mm = 0;
      if (std::sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2) throw bad();
      offset_s = sign * (hh * 3600 + mm * 60);
      rest += 6;
    } else {
      throw bad();  // a time without a zone is ambiguous
    }
  }
  if (*rest != '\0') throw bad();
  const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return secs * 1'000'000'000 + frac_ns;
}

namespace {

std::unique_ptr<es::event_store> open_checked(const std::filesystem::path& dir, es::store_options o) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) throw tool_error(exit_failure, "no such directory: " + dir.string());
  if (!std::filesystem::is_directory(dir, ec))
    throw tool_error(exit_failure, dir.string() + " is not a directory");
  auto store = es::event_store::open(std::move(o));
  if (!store)
    throw tool_error(store.error().code == es::store_errc::corruption ? exit_corruption : exit_failure,
                     store.error().message);
  return std::move(*store);
}

}  // namespace

std::unique_ptr<es::event_store> open_read_only(const std::filesystem::path& dir) {
  es::store_options o;
  o.data_dir = dir;
  o.read_only = true;
  o.block_cache_bytes = 32u << 20;
  return open_checked(dir, o);
}

std::unique_ptr<es::event_store> open_for_writing(const std::filesystem::path& dir) {
  es::store_info info;
  {
    auto view = open_read_only(dir);
    info = view->info();
  }
  es::store_options o;
  o.data_dir = dir;
  o.node_id = info.node_id;
  o.shard_count = info.shard_count;
  auto store = es::event_store::open(o);
  if (!store) {
    if (store.error().message.find("in use") != std::string::npos)
      throw tool_error(exit_failure, store.error().message +
                                         ". A running node holds it: ask the node instead (--node URL), "
                                         "or stop it first.");
    throw tool_error(exit_failure, store.error().message);
  }
  return std::move(*store);
}

es::stream_id parse_stream(const std::string& text) {
  auto id = es::stream_id::make(text);
  if (!id) throw tool_error(exit_usage, "stream id '" + text + "': " + id.error());
  return std::move(*id);
}

progress::progress(std::string what, std::uint64_t total, bool quiet)
    : what_(std::move(what)),
      total_(total),
      quiet_(quiet),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void progress::update(std::uint64_t done) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000))) return;
  last_ = now;
  print(done, false);
}

void progress::finish(std::uint64_t done) {
  if (quiet_) return;
  print(done, true);
}

void progress::print(std::uint64_t done, bool final) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  char line[256];
  if (total_ > 0 && done <= total_) {
    const double frac = static_cast<double>(done) / static_cast<double>(total_);
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    if (tty_) {
      constexpr int width = 30;
      const int filled = static_cast<int>(frac * width);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(width, '.');
      std::snprintf(line, sizeof line, "\r%s [%s] %5.1f%% %llu/%llu  %.0f/s  ETA %.0fs ", what_.c_str(),
                    bar.c_str(), frac * 100, static_cast<unsigned long long>(done),
                    static_cast<unsigned long long>(total_), rate, eta);
    } else {
      std::snprintf(line, sizeof line, "%s: %llu/%llu (%.1f%%), %.0f/s, ETA %.0fs\n", what_.c_str(),
                    static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                    frac * 100, rate, eta);
    }
  } else {
    std::snprintf(line, sizeof line, tty_ ? "\r%s: %llu, %.0f/s " : "%s: %llu, %.0f/s\n", what_.c_str(),
                  static_cast<unsigned long long>(done), rate);
  }
  std::fputs(line, stderr);
  if (final && tty_) std::fputs("\n", stderr);
  std::fflush(stderr);
}

}  // namespace mercato::tool
