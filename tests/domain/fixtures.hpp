#pragma once
// Helpers shared by the domain tests: money literals, and running commands through
// decide + apply with doctest checks. Header-only, included by every domain test.
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <mercato/domain/types.hpp>

namespace mercato::domain::test {

inline money amount(std::int64_t minor, const char* currency) {
  auto m = make_money(minor, currency);
  REQUIRE(m.has_value());
  return *m;
}
inline money eur(std::int64_t cents) {
  return amount(cents, "EUR");
}
inline money usd(std::int64_t cents) {
  return amount(cents, "USD");
}

/// A syntactically valid Argon2id PHC string (decide only checks the form).
inline const std::string fake_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

/// Folds `events` into `state`.
template <class State, class Event>
State fold(State state, const std::vector<Event>& events) {
  for (const auto& e : events) state = apply(std::move(state), e);
  return state;
}

/// Decides `command` (which must succeed), applies the events to `state`, returns them.
template <class State, class Command, class... Extra>
auto run(State& state, const Command& command, const Extra&... extra) {
  auto d = decide(state, command, extra...);
  if (!d) FAIL_CHECK("refused: " << std::string(wire_name(d.error().code)) << ": " << d.error().message);
  REQUIRE(d.has_value());
  state = fold(std::move(state), *d);
  return *d;
}

/// Decides `command`, which must be refused; returns the refusal (state is untouched).
template <class State, class Command, class... Extra>
domain_error refusal(const State& state, const Command& command, const Extra&... extra) {
  auto d = decide(state, command, extra...);
  REQUIRE_FALSE(d.has_value());
  CHECK_FALSE(d.error().message.empty());
  return d.error();
}

template <class State, class Command, class... Extra>
domain_errc refused(const State& state, const Command& command, const Extra&... extra) {
  return refusal(state, command, extra...).code;
}

/// The single event of `events`, as alternative T.
template <class T, class Events>
T only(const Events& events) {
  REQUIRE(events.size() == 1);
  REQUIRE(std::holds_alternative<T>(events.front()));
  return std::get<T>(events.front());
}

}  // namespace mercato::domain::test
