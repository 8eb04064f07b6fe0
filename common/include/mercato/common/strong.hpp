#pragma once
// strong<T, Tag>: a distinct type per meaning (stream version, shard id, position), so a
// version can't be passed where a sequence is expected.
#include <compare>
#include <cstddef>
#include <functional>
#include <utility>

namespace mercato {

template <class T, class Tag>
class strong {
 public:
  using value_type = T;
  constexpr strong() = default;
  constexpr explicit strong(T v) : v_(std::move(v)) {}
  constexpr const T& value() const noexcept { return v_; }
  constexpr auto operator<=>(const strong&) const = default;

 private:
  T v_{};
};

}  // namespace mercato

template <class T, class Tag>
struct std::hash<mercato::strong<T, Tag>> {
  std::size_t operator()(const mercato::strong<T, Tag>& s) const noexcept {
    return std::hash<T>{}(s.value());
  }
};
