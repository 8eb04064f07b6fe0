#pragma once
// Waiting for something a test can observe (an HTTP answer, a counter, a checkpoint, a line
// in a log) instead of sleeping and hoping it has happened by then.
#include <chrono>
#include <thread>

namespace mercato::test {

/// The failure bound of a wait: reached only when something is broken. Generous, because an
/// ASan build runs 5–10× slower than a release build on a loaded 2-core machine; a wait is
/// never a speed requirement.
inline constexpr std::chrono::milliseconds patience{std::chrono::minutes(2)};

/// Polls `condition` every `every` until it holds (returns true) or `timeout` has passed
/// (returns what one last check says). Use it as
///   REQUIRE_MESSAGE(wait_until([&] { return ...; }), "what did not happen: " << details);
template <class Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout = patience,
                std::chrono::milliseconds every = std::chrono::milliseconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(every);
  }
  return true;
}

}  // namespace mercato::test
