#pragma once
// A child process for end-to-end tests: started with arguments and extra environment,
// stdout+stderr captured to a file, stopped by its PID (never by name).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mercato::test {

class process {
 public:
  /// Starts `program` with `args`; `env` entries are added to (or replace) the inherited
  /// environment. Output goes to `log_file`.
  process(const std::string& program, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env, std::filesystem::path log_file);
  /// Kills the process with SIGKILL if it still runs.
  ~process();
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  /// Sends `signal` to the process.
  void signal(int sig) const;
  /// Waits for the exit and returns the exit code (128+N for a signal), or nullopt on
  /// timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  /// Everything the process has printed so far.
  std::string output() const;
  /// Waits until the output contains `text`; returns false on timeout or exit.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path log_;
};

/// Starts mercatod (MERCATOD_PATH) on 127.0.0.1:0 with `data_dir` and waits until it
/// listens; the port is read from its log. Extra args and env are passed through.
struct node_process {
  node_process(const std::filesystem::path& data_dir, const std::filesystem::path& log_file,
               std::vector<std::string> extra_args = {}, std::map<std::string, std::string> env = {});
  process proc;
  std::uint16_t port = 0;
};

}  // namespace mercato::test
