#include "logging.hpp"

#include <chrono>

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace mercato::node {

namespace {

/// One JSON object per line. spdlog's %v is not JSON-escaped (docs/library-notes.md), so the line is
/// built with a JSON library.
class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(msg.time.time_since_epoch()).count();
    // The access log's payload is already a JSON object (http/src/server.cpp): its fields
    // join the line as they are, without parsing it again.
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (msg.logger_name == "access" && payload.size() > 2 && payload.front() == '{' &&
        payload.back() == '}') {
      fmt::format_to(std::back_inserter(dest),
                     R"({{"ts_ns":{},"level":"{}","logger":"access","msg":"request",)", ns,
                     spdlog::level::to_string_view(msg.level));
      dest.append(payload.data() + 1, payload.data() + payload.size());
      dest.push_back('\n');
      return;
    }
    nlohmann::json line{{"ts_ns", ns},
                        {"level", spdlog::level::to_string_view(msg.level).data()},
                        {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
                        {"msg", std::string(payload)}};
    auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text.push_back('\n');
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

/// The access log's sink: the thread that answered a request only formats its line into a
/// buffer (no system call, no wake-up); a thread of its own writes what gathered to stderr
/// in one write(2) every few milliseconds. A wake-up per line (a queue with a condition
/// variable, as spdlog's async logger has) cost more than the write it saved.
class batched_stderr_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  batched_stderr_sink() : writer_([this] { run(); }) {}
  ~batched_stderr_sink() override {
    {
      std::lock_guard lk(mutex_);
      stop_ = true;
    }
    cv_.notify_one();
    writer_.join();  // writes what is left
  }
  batched_stderr_sink(const batched_stderr_sink&) = delete;
  batched_stderr_sink& operator=(const batched_stderr_sink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    pending_.append(line.data(), line.size());
    if (pending_.size() >= wake_bytes) cv_.notify_one();
    if (pending_.size() >= block_bytes) {
      // stderr does not keep up (a full pipe): write here, holding back the other
      // loggers, rather than grow without bound or drop lines.
      std::string out;
      out.swap(pending_);
      write_all(out);
    }
  }
  void flush_() override {}  // the writer thread writes every `period`

 private:
  static constexpr std::size_t wake_bytes = 64 * 1024;
  static constexpr std::size_t block_bytes = 8 * 1024 * 1024;
  static constexpr std::chrono::milliseconds period{20};

  static void write_all(const std::string& out) {
    std::size_t done = 0;
    while (done < out.size()) {
      const auto n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // stderr is gone: nothing more to do
      done += static_cast<std::size_t>(n);
    }
  }

  void run() {
    for (;;) {
      std::string out;
      bool stop = false;
      {
        std::unique_lock lk(mutex_);
        cv_.wait_for(lk, period, [&] { return stop_ || pending_.size() >= wake_bytes; });
        out.swap(pending_);
        stop = stop_;
      }
      write_all(out);
      if (stop) return;
    }
  }

  std::string pending_;
  bool stop_ = false;
  std::condition_variable cv_;
  std::thread writer_;
};

spdlog::level::level_enum to_spdlog(config::log_level l) {
  switch (l) {
    case config::log_level::trace:
      return spdlog::level::trace;
    case config::log_level::debug:
      return spdlog::level::debug;
    case config::log_level::info:
      return spdlog::level::info;
    case config::log_level::warn:
      return spdlog::level::warn;
    case config::log_level::error:
      return spdlog::level::err;
    case config::log_level::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void setup_logging(config::log_level level, config::log_format format) {
  auto logger =
      std::make_shared<spdlog::logger>("mercatod", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == config::log_format::json) {
    logger->set_formatter(std::make_unique<json_formatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %^%l%$ %v");
  }
  logger->set_level(to_spdlog(level));
  logger->flush_on(spdlog::level::info);
  // One JSON line per HTTP request, same format, written by a thread of its own in
  // batches (batched_stderr_sink): off the thread that answered the request, often an
  // actor's. What gathered is written when the process exits normally.
  spdlog::drop("access");
  auto access = std::make_shared<spdlog::logger>("access", std::make_shared<batched_stderr_sink>());
  if (format == config::log_format::json)
    access->set_formatter(std::make_unique<json_formatter>());
  else
    access->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %^%l%$ %v");
  access->set_level(logger->level());
  spdlog::register_logger(access);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace mercato::node
