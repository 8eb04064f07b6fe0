#pragma once
// spdlog set-up for the node: JSON lines (every field escaped) or plain text.
#include <mercato/config/config.hpp>

namespace mercato::node {

/// Installs the default logger (stderr) with the configured level and format.
void setup_logging(config::log_level level, config::log_format format);

}  // namespace mercato::node
