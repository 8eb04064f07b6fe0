#pragma once
#include <stdexcept>

#include <sodium.h>

namespace mercato::http::detail {

/// libsodium must be initialised once before use (thread-safe, idempotent).
inline void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace mercato::http::detail
