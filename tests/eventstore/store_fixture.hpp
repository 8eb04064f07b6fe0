#pragma once
// Opening stores in a per-test temporary directory.
#include <doctest/doctest.h>

#include <mercato/eventstore/store.hpp>

#include "sample_events.hpp"
#include "temp_dir.hpp"

namespace mercato::test {

inline es::store_options options_for(const std::filesystem::path& dir, std::uint32_t shards = 8) {
  es::store_options o;
  o.data_dir = dir;
  o.shard_count = shards;
  return o;
}

inline std::unique_ptr<es::event_store> open_store(const es::store_options& o) {
  auto s = es::event_store::open(o);
  if (!s) FAIL("open failed: " << s.error().message);
  return std::move(*s);
}

inline es::append_request request(const std::string& stream, es::expected_version expected,
                                  std::initializer_list<std::string> markers) {
  es::append_request r{sid(stream), expected, {}, {}, {}};
  for (const auto& m : markers) r.events.push_back(sample_event(m));
  return r;
}

}  // namespace mercato::test
