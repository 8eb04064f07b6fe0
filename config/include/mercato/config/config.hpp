#pragma once
// mercato::config: one immutable node_config built from, in rising precedence,
//   defaults < YAML file < environment < overrides (command-line flags).
// Every setting is addressed by its dotted path (`storage.shards`), which is also its YAML
// path, its override key and, upper-cased with `.` -> `_` and prefixed `MERCATO_`, its
// environment variable (`MERCATO_STORAGE_SHARDS`). The auth keys also answer to the
// plain names `JWT_SECRET`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_EXPIRATION_MINUTES`.
//
// Contract of load(): on success every field holds a validated value and no further
// checking is needed by the component that reads it; on failure nothing is returned but
// one config_error naming the offending key (or file / variable) and what is accepted.
// What is accepted but worth an operator's eye (MERCATO_* variables that name no setting)
// comes back as warnings from load_with_warnings(); the caller logs them.
// load() is a pure function of its inputs (it reads the named file, nothing else: the
// environment is passed in), so it is safe to call from any thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/common/result.hpp>

namespace mercato::config {

/// dev: demo data, relaxed; prod: real deployment; bench: benchmark (allows async storage).
enum class run_profile { dev, prod, bench };
/// sync: a write is fsynced before it is acknowledged; async: acknowledged before fsync.
enum class durability_mode { sync, async };
enum class log_level { trace, debug, info, warn, error, off };
enum class log_format { json, text };

/// HOST:PORT as given (an IPv6 host is stored without its brackets).
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const endpoint&) const = default;
};

struct node_section {
  std::string id;  ///< 1..64 of [A-Za-z0-9._-]
  bool operator==(const node_section&) const = default;
};

struct storage_section {
  std::uint32_t shards = 0;
  durability_mode durability = durability_mode::sync;
  std::uint32_t max_batch_requests = 0;
  std::size_t write_queue_limit = 0;
  std::size_t stream_cache_entries = 0;  ///< 0 disables the stream cache
  /// Where online backups go (POST /api/v1/admin/backups); empty: online backups refused.
  std::filesystem::path backup_dir;
  bool operator==(const storage_section&) const = default;
};

struct log_section {
  log_level level = log_level::info;
  log_format format = log_format::json;
  bool operator==(const log_section&) const = default;
};

/// Token buckets per client address (http/rate_limit.hpp). Off in the bench profile
/// whatever `enabled` says.
struct rate_limit_section {
  bool enabled = true;
  std::uint32_t general_per_minute = 0;  ///< every route but auth
  std::uint32_t auth_per_hour = 0;       ///< register and login
  bool operator==(const rate_limit_section&) const = default;
};

struct http_section {
  std::uint32_t threads = 0;
  std::size_t max_request_bytes = 0;
  std::chrono::seconds keepalive_timeout_seconds{0};  ///< 0 disables keep-alive
  rate_limit_section rate_limit;
  /// Origins allowed cross-origin (`https://shop.example.com`), or `*`; empty: none.
  std::vector<std::string> cors_origins;
  /// A command whose entity has not answered after this gets 503 (never a hang).
  std::chrono::milliseconds request_timeout_ms{0};
  bool operator==(const http_section&) const = default;
};

/// Argon2id cost of new password hashes (stored hashes with other parameters are re-hashed
/// at their next successful login). OWASP's minimum by default: 19456 KiB, 2 passes, 1 lane.
struct argon2_section {
  std::uint32_t memory_kib = 0;
  std::uint32_t passes = 0;
  std::uint32_t lanes = 0;  ///< 1: libsodium computes Argon2id with one lane only
  bool operator==(const argon2_section&) const = default;
};

/// The bounded pool that checks passwords at login.
struct verify_section {
  std::uint32_t threads = 0;       ///< 0: one per core
  std::uint32_t queue_length = 0;  ///< checks waiting at most; 0: what the request timeout allows
  bool operator==(const verify_section&) const = default;
};

/// Recent successful logins, so a repeat skips Argon2id (docs/security.md).
struct credential_cache_section {
  std::chrono::seconds ttl_seconds{0};  ///< 0: no cache
  std::uint32_t max_entries = 0;        ///< 0: no cache
  bool operator==(const credential_cache_section&) const = default;
};

struct auth_section {
  std::string jwt_secret;  ///< never logged; describe() prints only whether it is set
  std::string jwt_issuer;
  std::string jwt_audience;
  std::chrono::minutes jwt_expiration_minutes{0};
  argon2_section argon2;
  verify_section verify;
  credential_cache_section cache;
  bool operator==(const auth_section&) const = default;
};

struct actors_section {
  std::chrono::seconds passivate_after_seconds{0};  ///< idle time before an entity is passivated
  std::uint32_t snapshot_every = 0;                 ///< events between snapshots of one entity
  std::uint32_t max_line_quantity = 0;              ///< units per cart line: 1..this; 0: no limit
  bool operator==(const actors_section&) const = default;
};

/// Webhook delivery of notifications (projections/outbox.hpp, docs/webhooks.md).
struct notifications_section {
  std::vector<std::string> webhook_urls;  ///< http(s) URLs, no duplicates; empty: no delivery
  std::string webhook_secret;      ///< HMAC-SHA256 key; never logged; required when webhook_urls is set
  std::uint32_t max_attempts = 0;  ///< attempts per delivery before it is parked
  std::chrono::milliseconds backoff_initial_ms{0};  ///< delay after the first failed attempt
  std::chrono::milliseconds backoff_max_ms{0};      ///< cap of the doubling delay (>= initial)
  std::chrono::milliseconds timeout_ms{0};          ///< whole-request timeout of one POST
  bool operator==(const notifications_section&) const = default;
};

/// The payment provider's side (webhooks verified in http/webhook_sig.hpp).
struct payments_section {
  /// HMAC-SHA256 key of provider webhooks (`Mercato-Signature`); never logged. Empty:
  /// every webhook is refused.
  std::string webhook_secret;
  bool operator==(const payments_section&) const = default;
};

/// The node's whole configuration. Field paths equal the dotted key paths. Obtain it from
/// load() (a default-constructed value is NOT the documented defaults: load({}) is) and
/// treat it as immutable: hand out `const node_config&`.
struct node_config {
  run_profile profile = run_profile::dev;
  node_section node;
  std::filesystem::path data_dir;
  endpoint listen;
  storage_section storage;
  log_section log;
  http_section http;
  auth_section auth;
  actors_section actors;
  payments_section payments;
  notifications_section notifications;
  bool operator==(const node_config&) const = default;
};

struct config_error {
  /// The dotted key path (`storage.shards`); the environment variable's name when the bad
  /// value came from the environment (`MERCATO_STORAGE_SHARDS`); the file's path for
  /// errors about the file itself (missing, unreadable, broken syntax).
  std::string key;
  /// One line for a human: names the key and where the value came from, and says what is
  /// accepted. Never contains the value of a secret.
  std::string message;
};

/// Something in the inputs that does not stop the node but its operator should see.
struct config_warning {
  /// What it is about: the environment variables' names (never their values).
  std::vector<std::string> keys;
  /// One line for the log, naming every key (with a did-you-mean for likely typos).
  std::string message;
};

struct load_inputs {
  /// The YAML file (`--config`). When empty, the environment variable MERCATO_CONFIG, if
  /// set, names the file; with neither, only defaults, environment and overrides apply.
  std::optional<std::filesystem::path> file = std::nullopt;
  /// The process environment (see environment_from); only `MERCATO_*` and `JWT_*` names
  /// are looked at. `MERCATO_*` names that are no key (nor MERCATO_CONFIG) are ignored with
  /// one warning naming them all: Kubernetes injects MERCATO_SERVICE_HOST, MERCATO_PORT_…
  /// into every pod of a namespace with a Service named `mercato`, and wrapper scripts set
  /// their own. A bad value of a known variable is an error.
  std::map<std::string, std::string> env = {};
  /// Command-line values keyed by dotted path (`{"data_dir", "/var/lib/mercato"}`).
  std::map<std::string, std::string> overrides = {};
};

/// A configuration with what load noticed but accepted.
struct loaded_config {
  node_config config;
  std::vector<config_warning> warnings;  ///< at most one today: the unknown MERCATO_* variables
};

/// Builds the configuration. Every value given is validated, even one a higher-precedence
/// source replaces, so a broken file is reported even while a flag hides it.
mercato::result<loaded_config, config_error> load_with_warnings(const load_inputs& inputs);

/// load_with_warnings() without the warnings, for callers with no log to put them in.
mercato::result<node_config, config_error> load(const load_inputs& inputs);

/// Copies a NULL-terminated `NAME=value` array (main's `environ`) into a map.
std::map<std::string, std::string> environment_from(const char* const* envp);

/// One line for the start-up log: every key as `path=value`; the JWT secret is shown only
/// as `(set)` or `(empty)`.
std::string describe(const node_config& config);

/// What --help and docs need to list the settings, in table order.
struct key_info {
  std::string path;                    ///< `storage.shards`
  std::vector<std::string> env_names;  ///< `MERCATO_STORAGE_SHARDS` (+ `JWT_*` alias)
  std::string default_value;           ///< textual, as it would be written in YAML
  std::string accepted;                ///< `a whole number from 1 to 4096`
};
std::vector<key_info> known_keys();

std::string_view to_string(run_profile p);
std::string_view to_string(durability_mode d);
std::string_view to_string(log_level l);
std::string_view to_string(log_format f);

}  // namespace mercato::config
