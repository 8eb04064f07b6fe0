#pragma once
// The one table of settings. Each entry binds a dotted path to a node_config field, a
// textual default, a value rule and its environment names; YAML, environment, overrides
// and the defaults themselves all go through key_descriptor::apply.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/config/config.hpp>

namespace mercato::config::detail {

struct key_descriptor {
  std::string_view path;          ///< `storage.shards`; equals the node_config field path
  std::string_view default_text;  ///< parsed by `apply` like any other input
  std::string_view alias_env;     ///< an extra environment name (`JWT_SECRET`), or empty
  bool secret = false;            ///< the value is never echoed (errors, describe)
  std::string accepted;           ///< `a whole number from 1 to 4096`
  /// Parses `text` into the field of `out`. Returns the problem phrase on failure
  /// (`is out of range`), leaving `out` unchanged.
  std::function<std::optional<std::string>(std::string_view text, node_config& out)> apply;
  /// The field's current value as text (`64`, `sync`, `127.0.0.1:8080`).
  std::function<std::string(const node_config&)> show;

  std::string env_name() const;  ///< MERCATO_<PATH> with `.` -> `_`, upper case
};

const std::vector<key_descriptor>& key_table();

/// The entry for a dotted path, or nullptr.
const key_descriptor* find_key(std::string_view path);

/// True for a path that is a proper prefix of some key (`storage`, `auth`): a YAML mapping.
bool is_section(std::string_view path);

/// What may follow `section` ("" for the top level), in table order, for "unknown key"
/// messages: `at the top level: profile, node, ...` or `under storage: shards, ...`.
std::string known_under(std::string_view section);

/// The key path nearest to `path` by edit distance, when it is plausibly a typo; else "".
std::string nearest_key(std::string_view path);
/// The environment name (MERCATO_* names and JWT_* aliases) at most two edits from `name`,
/// else "". Stricter than nearest_key: an unknown MERCATO_* variable is often no typo at all
/// (Kubernetes service links, wrapper scripts), and a far-fetched guess would mislead.
std::string nearest_env(std::string_view name);

}  // namespace mercato::config::detail
