#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace mercato::test {

process::process(const std::string& program, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, std::filesystem::path log_file)
    : log_(std::move(log_file)) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto name = entry.substr(0, entry.find('='));
    if (env.count(name) == 0) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int fd = ::open(log_.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + log_.string());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    execve(program.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(fd);
}

process::~process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void process::signal(int sig) const {
  ::kill(pid_, sig);
}

std::optional<int> process::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool process::running() {
  return !wait(std::chrono::milliseconds(0)).has_value();
}

std::string process::output() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool process::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (output().find(text) != std::string::npos) return true;
    if (!running()) return output().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

node_process::node_process(const std::filesystem::path& data_dir, const std::filesystem::path& log_file,
                           std::vector<std::string> extra_args, std::map<std::string, std::string> env)
    : proc(
          MERCATOD_PATH,
          [&] {
            std::vector<std::string> a{"--data-dir", data_dir.string(), "--listen", "127.0.0.1:0"};
            a.insert(a.end(), extra_args.begin(), extra_args.end());
            return a;
          }(),
          env, log_file) {
  if (!proc.wait_for_output("listening on http://", std::chrono::seconds(30)))
    throw std::runtime_error("mercatod did not start:\n" + proc.output());
  std::smatch m;
  const auto out = proc.output();
  if (!std::regex_search(out, m, std::regex(R"(listening on http://[^:]+:(\d+))")))
    throw std::runtime_error("no port in mercatod's log:\n" + out);
  port = static_cast<std::uint16_t>(std::stoi(m[1]));
}

}  // namespace mercato::test
