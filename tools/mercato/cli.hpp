#pragma once
// Shared pieces of the `mercato` tool: exit codes, errors, time parsing, opening a data
// directory read-only, Ctrl-C, progress reporting.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <mercato/eventstore/store.hpp>

namespace mercato::tool {

/// Exit codes (documented in tools/README.md and `mercato --help`).
enum exit_code : int {
  exit_ok = 0,
  exit_failure = 1,       ///< the work could not be done (missing directory, I/O, not found)
  exit_usage = 2,         ///< bad command line
  exit_corruption = 3,    ///< corrupted data found (doctor, export, backup verify)
  exit_interrupted = 130  ///< stopped by Ctrl-C / SIGTERM after a clean stop
};

/// Thrown by subcommands; main prints "mercato: <message>" and exits with `code`.
struct tool_error : std::runtime_error {
  tool_error(exit_code c, const std::string& message) : std::runtime_error(message), code(c) {}
  exit_code code;
};

/// Set by SIGINT/SIGTERM; long loops check it and stop cleanly.
extern std::atomic<bool> interrupted;
void install_interrupt_handlers();

/// "2026-11-29T19:58:26Z", "2026-11-29T19:58:26.5+01:00", "2026-11-29", or "@<unix seconds>"
/// → ns since the epoch. Throws tool_error(exit_usage) naming `what`.
std::int64_t parse_time(const std::string& text, const std::string& what);

/// Opens `dir` read-only as a point-in-time view; clear errors for a missing directory, a
/// directory that is not Mercato's, or corruption.
std::unique_ptr<es::event_store> open_read_only(const std::filesystem::path& dir);
/// Opens `dir` for writing with the directory's own node id and shard count (fails with a
/// clear message while a node holds it).
std::unique_ptr<es::event_store> open_for_writing(const std::filesystem::path& dir);

/// A stream id from the command line, or tool_error(exit_usage).
es::stream_id parse_stream(const std::string& text);

/// Progress of long work on stderr: a bar with rate and ETA on a terminal, a plain line
/// every few seconds otherwise, nothing when quiet.
class progress {
 public:
  progress(std::string what, std::uint64_t total, bool quiet);
  void update(std::uint64_t done);
  void finish(std::uint64_t done);

 private:
  void print(std::uint64_t done, bool final);
  std::string what_;
  std::uint64_t total_;
  bool quiet_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace mercato::tool
