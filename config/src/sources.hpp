#pragma once
// The three inputs, each reduced to a list of textual settings in input order. Only
// load.cpp applies them (through key_descriptor::apply), so every source shares one parser.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <mercato/common/result.hpp>
#include <mercato/config/config.hpp>

#include "key_table.hpp"

namespace mercato::config::detail {

struct raw_setting {
  const key_descriptor* key = nullptr;
  std::string text;
  std::string subject;    ///< who is wrong: `storage.shards`, `MERCATO_X (x)`
  std::string origin;     ///< where from: `in /etc/m.yaml line 3`, `from the environment`
  std::string error_key;  ///< config_error::key if this value is refused
};

using settings = std::vector<raw_setting>;

/// Reads and walks the YAML file. Fails naming the file (missing, unreadable, bad syntax
/// with line and column) or the full dotted path (unknown key, wrong shape, duplicate).
mercato::result<settings, config_error> read_yaml_file(const std::filesystem::path& file);

/// The refusal of `s` by its rule: subject, origin, the value (hidden if secret), problem
/// and what is accepted.
config_error refused(const raw_setting& s, const std::string& problem);

/// " (did you mean X?)" for a non-empty guess, else "".
std::string did_you_mean(const std::string& guess);

/// "is not a known setting (did you mean storage.shards?); known under storage: ..."
std::string unknown_setting(const std::string& path);

/// `"text"` with quotes and control characters escaped, for messages.
std::string in_quotes(std::string_view text);

}  // namespace mercato::config::detail
