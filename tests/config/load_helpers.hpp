#pragma once
// Shared by the config tests: load() that must succeed or must fail, and a substring check.
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include <mercato/config/config.hpp>

namespace mercato::test {

inline config::node_config load_ok(const config::load_inputs& in) {
  auto r = config::load(in);
  REQUIRE_MESSAGE(r.has_value(), (r.has_value() ? "" : r.error().message));
  return *r;
}

inline config::config_error load_error(const config::load_inputs& in) {
  auto r = config::load(in);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace mercato::test
