#include "key_table.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <type_traits>
#include <utility>

#include "rules.hpp"

namespace mercato::config::detail {
namespace {

template <class T>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

template <class F>
auto rep_of() {
  if constexpr (is_duration<F>::value)
    return typename F::rep{};
  else
    return F{};
}

/// A rule with compile-time bounds must fit the field it fills (no silent narrowing).
template <class F, class Rule>
constexpr void check_fits() {
  if constexpr (requires { Rule::lo; }) {
    using target = decltype(rep_of<F>());
    static_assert(std::is_integral_v<target>, "a whole-number rule needs an integral field");
    static_assert(std::in_range<target>(Rule::lo) && std::in_range<target>(Rule::hi),
                  "the rule's range does not fit the field's type");
  }
}

template <class F, class V>
void assign(F& field, V&& value) {
  if constexpr (is_duration<F>::value) {
    field = F{static_cast<typename F::rep>(value)};
  } else if constexpr (std::is_integral_v<F> && !std::is_same_v<F, bool>) {
    field = static_cast<F>(value);  // in range: checked by check_fits and the rule
  } else {
    field = std::forward<V>(value);
  }
}

template <class F>
std::string render(const F& field) {
  if constexpr (is_duration<F>::value)
    return std::to_string(field.count());
  else if constexpr (std::is_same_v<F, bool>)
    return field ? "true" : "false";
  else if constexpr (std::is_integral_v<F>)
    return std::to_string(field);
  else if constexpr (std::is_enum_v<F>)
    return std::string(to_string(field));
  else if constexpr (std::is_same_v<F, endpoint>)
    return format_endpoint(field);
  else if constexpr (std::is_same_v<F, std::filesystem::path>)
    return field.string();
  else if constexpr (std::is_same_v<F, std::vector<std::string>>) {
    std::string joined;
    for (const auto& item : field) joined += (joined.empty() ? "" : ",") + item;
    return joined;
  } else
    return field;
}

struct key_options {
  std::string_view alias_env;
  bool secret = false;
};

template <class Access, class Rule>
key_descriptor bind_key(std::string_view path, std::string_view default_text, Access access, Rule rule,
                        key_options options = {}) {
  using field_t = std::remove_reference_t<decltype(access(std::declval<node_config&>()))>;
  check_fits<field_t, Rule>();
  key_descriptor d;
  d.path = path;
  d.default_text = default_text;
  d.alias_env = options.alias_env;
  d.secret = options.secret;
  d.accepted = rule.accepted();
  d.apply = [access, rule](std::string_view text, node_config& out) -> std::optional<std::string> {
    auto value = rule.parse(text);
    if (!value) return std::move(value.error());
    assign(access(out), std::move(*value));
    return std::nullopt;
  };
  d.show = [access](const node_config& c) { return render(access(c)); };
  return d;
}

// MERCATO_CONFIG_KEY(field.path, "default", rule{} [, key_options{...}]): the path string is
// the stringified field path, so the YAML path and the struct field cannot drift apart.
#define MERCATO_CONFIG_KEY(field_path, default_text, ...) \
  bind_key(                                               \
      #field_path, default_text, [](auto& c) -> auto& { return c.field_path; }, __VA_ARGS__)

std::vector<key_descriptor> build_table() {
  using rp = run_profile;
  using dm = durability_mode;
  using ll = log_level;
  using lf = log_format;
  return {
      MERCATO_CONFIG_KEY(profile, "dev", one_of<rp>{rp::dev, rp::prod, rp::bench}),
      MERCATO_CONFIG_KEY(node.id, "node-1", identifier{}),
      MERCATO_CONFIG_KEY(data_dir, "./data", non_empty_text{}),
      MERCATO_CONFIG_KEY(listen, "127.0.0.1:8080", host_port{}),
      MERCATO_CONFIG_KEY(storage.shards, "64", whole<1, 4096>{}),
      MERCATO_CONFIG_KEY(storage.durability, "sync", one_of<dm>{dm::sync, dm::async}),
      MERCATO_CONFIG_KEY(storage.max_batch_requests, "1024", whole<1, 65536>{}),
      MERCATO_CONFIG_KEY(storage.write_queue_limit, "65536", whole<1, 16777216>{}),
      MERCATO_CONFIG_KEY(storage.stream_cache_entries, "100000", whole<0, 100000000>{}),
      MERCATO_CONFIG_KEY(storage.backup_dir, "", any_text{}),
      MERCATO_CONFIG_KEY(log.level, "info",
                         one_of<ll>{ll::trace, ll::debug, ll::info, ll::warn, ll::error, ll::off}),
      MERCATO_CONFIG_KEY(log.format, "json", one_of<lf>{lf::json, lf::text}),
      MERCATO_CONFIG_KEY(http.threads, "2", whole<1, 64>{}),
      MERCATO_CONFIG_KEY(http.max_request_bytes, "1048576", whole<1024, 1073741824>{}),
      MERCATO_CONFIG_KEY(http.keepalive_timeout_seconds, "30", whole<0, 3600>{}),
      MERCATO_CONFIG_KEY(http.rate_limit.enabled, "true", flag{}),
      MERCATO_CONFIG_KEY(http.rate_limit.general_per_minute, "100", whole<1, 10000000>{}),
      MERCATO_CONFIG_KEY(http.rate_limit.auth_per_hour, "10", whole<1, 10000000>{}),
      MERCATO_CONFIG_KEY(http.cors_origins, "", origin_list{}),
      MERCATO_CONFIG_KEY(http.request_timeout_ms, "5000", whole<10, 600000>{}),
      MERCATO_CONFIG_KEY(auth.jwt_secret, "", any_text{}, {.alias_env = "JWT_SECRET", .secret = true}),
      MERCATO_CONFIG_KEY(auth.jwt_issuer, "mercato", non_empty_text{}, {.alias_env = "JWT_ISSUER"}),
      MERCATO_CONFIG_KEY(auth.jwt_audience, "mercato-storefront", non_empty_text{},
                         {.alias_env = "JWT_AUDIENCE"}),
      MERCATO_CONFIG_KEY(auth.jwt_expiration_minutes, "60", whole<1, 525600>{},
                         {.alias_env = "JWT_EXPIRATION_MINUTES"}),
      MERCATO_CONFIG_KEY(auth.argon2.memory_kib, "19456", whole<8, 1048576>{}),
      MERCATO_CONFIG_KEY(auth.argon2.passes, "2", whole<1, 100>{}),
      MERCATO_CONFIG_KEY(auth.argon2.lanes, "1", whole<1, 1>{}),
      MERCATO_CONFIG_KEY(auth.verify.threads, "0", whole<0, 64>{}),
      MERCATO_CONFIG_KEY(auth.verify.queue_length, "0", whole<0, 1000000>{}),
      MERCATO_CONFIG_KEY(auth.cache.ttl_seconds, "300", whole<0, 86400>{}),
      MERCATO_CONFIG_KEY(auth.cache.max_entries, "10000", whole<0, 10000000>{}),
      MERCATO_CONFIG_KEY(actors.passivate_after_seconds, "300", whole<1, 86400>{}),
      MERCATO_CONFIG_KEY(actors.snapshot_every, "100", whole<1, 1000000>{}),
      MERCATO_CONFIG_KEY(actors.max_line_quantity, "99", whole<0, 1000000>{}),
      MERCATO_CONFIG_KEY(payments.webhook_secret, "", any_text{}, {.alias_env = "", .secret = true}),
      MERCATO_CONFIG_KEY(notifications.webhook_urls, "", url_list{}),
      MERCATO_CONFIG_KEY(notifications.webhook_secret, "", any_text{}, {.alias_env = "", .secret = true}),
      MERCATO_CONFIG_KEY(notifications.max_attempts, "15", whole<1, 100>{}),
      MERCATO_CONFIG_KEY(notifications.backoff_initial_ms, "1000", whole<1, 3600000>{}),
      MERCATO_CONFIG_KEY(notifications.backoff_max_ms, "3600000", whole<1, 86400000>{}),
      MERCATO_CONFIG_KEY(notifications.timeout_ms, "5000", whole<100, 300000>{}),
  };
}

#undef MERCATO_CONFIG_KEY

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// The candidate nearest to `word` within `max_distance` edits, else "".
std::string nearest(std::string_view word, const std::vector<std::string>& candidates,
                    std::size_t max_distance) {
  std::string best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace

std::string key_descriptor::env_name() const {
  std::string name = "MERCATO_";
  for (char c : path) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

const std::vector<key_descriptor>& key_table() {
  static const std::vector<key_descriptor> table = build_table();
  return table;
}

const key_descriptor* find_key(std::string_view path) {
  for (const auto& key : key_table()) {
    if (key.path == path) return &key;
  }
  return nullptr;
}

bool is_section(std::string_view path) {
  for (const auto& key : key_table()) {
    if (key.path.size() > path.size() && key.path.starts_with(path) && key.path[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

std::string known_under(std::string_view section) {
  std::vector<std::string_view> names;
  for (const auto& key : key_table()) {
    std::string_view rest = key.path;
    if (!section.empty()) {
      if (!rest.starts_with(section) || rest.size() <= section.size() || rest[section.size()] != '.')
        continue;
      rest.remove_prefix(section.size() + 1);
    }
    rest = rest.substr(0, rest.find('.'));
    if (std::find(names.begin(), names.end(), rest) == names.end()) names.push_back(rest);
  }
  std::string out = section.empty() ? "at the top level:" : "under " + std::string(section) + ":";
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += names[i];
  }
  return out;
}

std::string nearest_key(std::string_view path) {
  std::vector<std::string> paths;
  for (const auto& key : key_table()) paths.emplace_back(key.path);
  return nearest(path, paths, std::max<std::size_t>(2, path.size() / 4));
}

std::string nearest_env(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& key : key_table()) {
    names.push_back(key.env_name());
    if (!key.alias_env.empty()) names.emplace_back(key.alias_env);
  }
  return nearest(name, names, 2);
}

}  // namespace mercato::config::detail
