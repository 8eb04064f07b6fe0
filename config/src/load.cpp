#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/config/config.hpp>

#include "key_table.hpp"
#include "sources.hpp"

namespace mercato::config {
namespace detail {

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(u));
      out += hex;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

config_error refused(const raw_setting& s, const std::string& problem) {
  const std::string value = s.key->secret ? std::string("the value") : in_quotes(s.text);
  return {s.error_key,
          s.subject + " " + s.origin + ": " + value + " " + problem + "; accepted: " + s.key->accepted};
}

std::string did_you_mean(const std::string& guess) {
  return guess.empty() ? std::string() : " (did you mean " + guess + "?)";
}

std::string unknown_setting(const std::string& path) {
  const auto dot = path.rfind('.');
  return "is not a known setting" + did_you_mean(nearest_key(path)) + "; known " +
         known_under(dot == std::string::npos ? "" : std::string_view(path).substr(0, dot));
}

}  // namespace detail

namespace {

using namespace detail;

constexpr std::string_view env_prefix = "MERCATO_";
constexpr std::string_view config_file_env = "MERCATO_CONFIG";

const key_descriptor* key_for_env(std::string_view name) {
  for (const auto& key : key_table()) {
    if (key.env_name() == name || (!key.alias_env.empty() && key.alias_env == name)) return &key;
  }
  return nullptr;
}

/// One warning naming every MERCATO_* variable that is no setting (names only: a value
/// may be a secret), with the setting each one probably meant.
std::optional<config_warning> unknown_variables_warning(const std::vector<std::string>& names) {
  if (names.empty()) return std::nullopt;
  config_warning w{names, {}};
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ", ") + name + did_you_mean(nearest_env(name));
  w.message = "ignoring " + std::to_string(names.size()) + " MERCATO_* environment variable" +
              (names.size() == 1 ? " that names" : "s that name") + " no setting: " + list +
              " (Kubernetes service links and wrapper scripts set such names; a misspelt setting "
              "keeps its default)";
  return w;
}

mercato::result<settings, config_error> read_environment(const std::map<std::string, std::string>& env,
                                                         std::vector<config_warning>& warnings) {
  settings out;
  std::vector<std::string> unknown;
  std::map<std::string_view, const raw_setting*> by_key;  // to catch MERCATO_X vs alias clashes
  for (const auto& [name, text] : env) {
    if (name == config_file_env) continue;
    const key_descriptor* key = key_for_env(name);
    if (key == nullptr) {
      if (name.starts_with(env_prefix)) unknown.push_back(name);
      continue;
    }
    out.push_back({key, text, name + " (" + std::string(key->path) + ")", "from the environment", name});
  }
  if (auto w = unknown_variables_warning(unknown)) warnings.push_back(std::move(*w));
  for (const auto& s : out) {
    const auto [it, fresh] = by_key.emplace(s.key->path, &s);
    if (!fresh && it->second->text != s.text) {
      return mercato::fail(config_error{s.error_key, it->second->error_key + " and " + s.error_key +
                                                         " are both set, to different values, for " +
                                                         std::string(s.key->path) + "; set only one"});
    }
  }
  return out;
}

mercato::result<settings, config_error> read_overrides(const std::map<std::string, std::string>& overrides) {
  settings out;
  for (const auto& [path, text] : overrides) {
    const key_descriptor* key = find_key(path);
    if (key == nullptr) {
      return mercato::fail(config_error{path, path + " from the command line: " + unknown_setting(path)});
    }
    out.push_back({key, text, path, "from the command line", path});
  }
  return out;
}

mercato::status<config_error> apply_all(const settings& values, node_config& config) {
  for (const auto& s : values) {
    if (auto problem = s.key->apply(s.text, config)) return mercato::fail(refused(s, *problem));
  }
  return mercato::ok;
}

mercato::status<config_error> apply_source(const mercato::result<settings, config_error>& source,
                                           node_config& config) {
  if (!source) return mercato::fail(source.error());
  return apply_all(*source, config);
}

node_config defaults() {
  node_config config;
  for (const auto& key : key_table()) {
    if (auto problem = key.apply(key.default_text, config)) {
      throw std::logic_error("config key table: default of " + std::string(key.path) + " " + *problem);
    }
  }
  return config;
}

/// Rules that involve more than one key, checked on the final values.
mercato::status<config_error> check_combination(const node_config& c) {
  if (c.storage.durability == durability_mode::async && c.profile != run_profile::bench) {
    return mercato::fail(config_error{
        "storage.durability", "storage.durability: async is allowed only with profile bench (profile is " +
                                  std::string(to_string(c.profile)) + "); accepted here: sync"});
  }
  const auto& n = c.notifications;
  if (!n.webhook_urls.empty() && n.webhook_secret.empty()) {
    return mercato::fail(config_error{
        "notifications.webhook_secret",
        "notifications.webhook_secret: is required when notifications.webhook_urls is set (webhooks are "
        "signed with it); set it in the file or MERCATO_NOTIFICATIONS_WEBHOOK_SECRET, or empty "
        "webhook_urls"});
  }
  if (n.backoff_initial_ms > n.backoff_max_ms) {
    return mercato::fail(
        config_error{"notifications.backoff_max_ms",
                     "notifications.backoff_max_ms: " + std::to_string(n.backoff_max_ms.count()) +
                         " is below notifications.backoff_initial_ms (" +
                         std::to_string(n.backoff_initial_ms.count()) + "); accepted: >= it"});
  }
  return mercato::ok;
}

std::optional<std::filesystem::path> config_file(const load_inputs& in) {
  if (in.file) return in.file;
  const auto it = in.env.find(std::string(config_file_env));
  if (it == in.env.end() || it->second.empty()) return std::nullopt;
  return std::filesystem::path(it->second);
}

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    if (c == ' ' || c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

}  // namespace

mercato::result<loaded_config, config_error> load_with_warnings(const load_inputs& inputs) {
  loaded_config loaded{defaults(), {}};
  node_config& config = loaded.config;
  if (const auto file = config_file(inputs)) {
    if (auto applied = apply_source(read_yaml_file(*file), config); !applied) {
      return mercato::fail(applied.error());
    }
  }
  if (auto applied = apply_source(read_environment(inputs.env, loaded.warnings), config); !applied) {
    return mercato::fail(applied.error());
  }
  if (auto applied = apply_source(read_overrides(inputs.overrides), config); !applied) {
    return mercato::fail(applied.error());
  }
  if (auto checked = check_combination(config); !checked) return mercato::fail(checked.error());
  return loaded;
}

mercato::result<node_config, config_error> load(const load_inputs& inputs) {
  auto loaded = load_with_warnings(inputs);
  if (!loaded) return mercato::fail(loaded.error());
  return std::move(loaded->config);
}

std::map<std::string, std::string> environment_from(const char* const* envp) {
  std::map<std::string, std::string> env;
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const std::string_view entry(*envp);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));  // first wins, as with getenv
  }
  return env;
}

std::string describe(const node_config& config) {
  std::string line;
  for (const auto& key : key_table()) {
    std::string value = key.show(config);
    if (key.secret)
      value = value.empty() ? "(empty)" : "(set)";
    else if (needs_quotes(value))
      value = in_quotes(value);
    line += (line.empty() ? "" : " ") + std::string(key.path) + "=" + value;
  }
  return line;
}

std::vector<key_info> known_keys() {
  std::vector<key_info> keys;
  for (const auto& key : key_table()) {
    key_info info{std::string(key.path), {key.env_name()}, std::string(key.default_text), key.accepted};
    if (!key.alias_env.empty()) info.env_names.emplace_back(key.alias_env);
    keys.push_back(std::move(info));
  }
  return keys;
}

std::string_view to_string(run_profile p) {
  switch (p) {
    case run_profile::dev:
      return "dev";
    case run_profile::prod:
      return "prod";
    case run_profile::bench:
      return "bench";
  }
  return "unknown";
}

std::string_view to_string(durability_mode d) {
  switch (d) {
    case durability_mode::sync:
      return "sync";
    case durability_mode::async:
      return "async";
  }
  return "unknown";
}

std::string_view to_string(log_level l) {
  switch (l) {
    case log_level::trace:
      return "trace";
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
    case log_level::off:
      return "off";
  }
  return "unknown";
}

std::string_view to_string(log_format f) {
  switch (f) {
    case log_format::json:
      return "json";
    case log_format::text:
      return "text";
  }
  return "unknown";
}

}  // namespace mercato::config
