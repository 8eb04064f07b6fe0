#pragma once
// What the storefront API needs from the node: the event store (health, event reads), the
// actor engine (every command), the projection host (every query, read-your-writes) and
// the API's own settings. No Pistache, CAF or RocksDB here.
// Build the settings from the node's configuration with api_options_from (mercatod).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <mercato/domain/password.hpp>
#include <mercato/http/cors.hpp>
#include <mercato/http/credential_cache.hpp>
#include <mercato/http/jwt.hpp>
#include <mercato/http/rate_limit.hpp>

namespace mercato::es {
class event_store;
}
namespace mercato::actors {
class engine;
}
namespace mercato::projections {
class host;
}

namespace mercato::http {

struct api_dependencies {
  es::event_store* store = nullptr;   ///< required; outlives the server
  actors::engine* engine = nullptr;   ///< required; outlives the server
  projections::host* host = nullptr;  ///< query routes answer 503 while it is null
};

struct api_options {
  /// A command whose entity has not answered after this gets 503 + Retry-After.
  std::chrono::milliseconds request_timeout{10000};
  /// Longest wait of a query asked to be consistent with a write (`consistentWith`).
  std::chrono::milliseconds consistency_wait{2000};
  /// SIGTERM: how long in-flight requests may take to finish before the node stops.
  std::chrono::milliseconds drain_timeout{15000};
  /// Threads for blocking work off the HTTP threads (bounded waits, log reads).
  unsigned worker_threads = 2;
  /// Argon2id cost of the hashes login re-hashes to (auth.argon2.*; the engine hashes new
  /// passwords with the same). A stored hash with other parameters is re-hashed at its
  /// user's next successful login.
  domain::pwhash_limits password;
  /// Threads checking passwords at login (auth.verify.threads); 0: one per core.
  unsigned verify_threads = 0;
  /// Checks waiting for a thread at most (auth.verify.queue_length); 0: what
  /// request_timeout allows at the measured cost of a check. Beyond: 503 + Retry-After.
  std::size_t verify_queue_length = 0;
  /// Recent successful logins (auth.cache.*; docs/security.md).
  credential_cache_options credential_cache;
  jwt_settings jwt;
  rate_limit_options rate_limit;
  cors_options cors;
  /// Secret of the payment provider's webhook signatures (webhook_sig.hpp); empty: every
  /// webhook is refused.
  std::string payment_webhook_secret;
  /// Where POST /api/v1/admin/backups writes (storage.backup_dir); empty: backups refused.
  std::filesystem::path backup_dir;
};

}  // namespace mercato::http
