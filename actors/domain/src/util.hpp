#pragma once
// Private helpers of the domain sources. Not installed, not included by public headers.
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <mercato/common/overloaded.hpp>
#include <mercato/domain/error.hpp>

namespace mercato::domain::detail {

using mercato::overloaded;

/// A decision of exactly the given events.
template <class Event, class... Es>
decision<Event> events(Es&&... es) {
  std::vector<Event> out;
  out.reserve(sizeof...(Es));
  (out.emplace_back(std::forward<Es>(es)), ...);
  return out;
}

/// True when `s` is empty or only ASCII whitespace.
inline bool blank(std::string_view s) noexcept {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

inline std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace mercato::domain::detail
