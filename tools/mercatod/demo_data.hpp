#pragma once
// Demo data for the development profile only: a small catalog (prod-001 …) and the demo
// customer (test@example.com / Password123!), created through the same commands as real
// data. Part of the node's program, not of the runtime library: nothing else can seed it. Only into an empty
// data directory; a seeding interrupted by a crash is finished at the next start (every command carries an
// idempotency key).
#include <string>

#include <mercato/actors/engine.hpp>
#include <mercato/common/result.hpp>

namespace mercato::demo {

struct demo_summary {
  bool seeded = false;  ///< false when the directory already held other data
  int products = 0;
  int users = 0;
};

/// Blocks until done. Call once at start, after engine::start.
result<demo_summary, std::string> seed_demo_data(es::event_store& store, actors::engine& e);

}  // namespace mercato::demo
