#include "logging.hpp"

#include <chrono>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
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
  // One JSON line per HTTP request, same sink and format, written by a thread of its own:
  // formatting and the write(2) of each line stay off the thread that answered the request
  // (often an actor's). The queue blocks when full rather than drop lines; the registry
  // drains it when the process exits normally.
  spdlog::drop("access");
  spdlog::init_thread_pool(8192, 1);
  auto access =
      std::make_shared<spdlog::async_logger>("access", logger->sinks().begin(), logger->sinks().end(),
                                             spdlog::thread_pool(), spdlog::async_overflow_policy::block);
  access->set_level(logger->level());
  access->flush_on(spdlog::level::info);
  spdlog::register_logger(access);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace mercato::node
