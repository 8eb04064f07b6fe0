#pragma once
// The domain's vocabulary: every event, command and state, their enums and the refusal
// type are generated from schemas/ (one definition each: codec/README.md); this header adds
// what is not data: the derived cart id and the `decision` type decide returns.
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/codec/commands.types.hpp>
#include <mercato/codec/common.types.hpp>
#include <mercato/codec/errors.types.hpp>
#include <mercato/codec/events.types.hpp>
#include <mercato/codec/snapshots.types.hpp>
#include <mercato/domain/error.hpp>
#include <mercato/domain/money.hpp>

namespace mercato::domain {

/// The one open cart of a user: its id is derived from the user's, so there is never a
/// second one. "cart-" + user id.
inline cart_id cart_id_for(const user_id& user) {
  return cart_id{"cart-" + user.value()};
}

/// The version of each entity's fold (apply), stored in its snapshots (Snapshot.stateVersion).
/// Bump one when its apply changes meaning: stored snapshots of another version are then
/// dropped and the stream is replayed.
template <class State>
inline constexpr std::uint32_t state_version = 1;

}  // namespace mercato::domain
