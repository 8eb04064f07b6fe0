#pragma once
// The one source of generated ids (entities, products, request ids): 128 bits as 32
// lower-case hex characters, either random or derived from the request that asks for the
// entity, so that a retried request with the same Idempotency-Key names the same entity.
// Implemented with libsodium (target mercato_ids); this header includes nothing of it.
#include <initializer_list>
#include <string>
#include <string_view>

namespace mercato::ids {

/// 128 random bits (libsodium randombytes_buf) as 32 hex characters.
std::string random_id();

/// A stable id derived from `parts`: BLAKE2b with a 16-byte output (unkeyed) of the parts
/// joined by one NUL byte, as 32 hex characters. The same parts always give the same id;
/// this output must never change, since ids already stored in event logs were made by it.
std::string derived_id(std::initializer_list<std::string_view> parts);

template <class... Parts>
std::string derived_id(const Parts&... parts) {
  return derived_id({std::string_view(parts)...});
}

}  // namespace mercato::ids
