#pragma once
// Time travel: an entity's state at any past version or instant, folded from its stream with
// the same domain code the node runs (`mercato entity state`). Reads only; needs no actors,
// so it works on a read-only data directory.
#include <cstdint>
#include <optional>
#include <string>

#include <mercato/common/result.hpp>
#include <mercato/eventstore/types.hpp>

namespace mercato::es {
class event_store;
}

namespace mercato::actors {

/// Where to stop folding; both empty = the current state.
struct history_point {
  std::optional<es::stream_version> version;  ///< the state right after this version
  std::optional<std::int64_t> at_ns;          ///< the state as of this instant (commit times ≤ it)
};

struct entity_view {
  std::string kind;               ///< "user", "email", "product", "cart", "order", "payment", "checkout"
  es::stream_version version{0};  ///< last event folded (0: the entity did not exist yet)
  std::int64_t at_ns = 0;         ///< commit time of that event (0 when none)
  std::string state_json;         ///< the state in the Snapshot schema's JSON (password hashes redacted)
};

/// Fails (with a message for a person) for a stream id of no entity kind, a stream with no
/// events, a version past the stream's end, or an unreadable event.
result<entity_view, std::string> entity_state_at(const es::event_store& store, const es::stream_id& stream,
                                                 history_point point);

}  // namespace mercato::actors
