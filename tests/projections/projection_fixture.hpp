#pragma once
// Stores in temp dirs and real product events (encoded by the codec) for the projection
// tests.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <mercato/codec/codec.hpp>
#include <mercato/domain/money.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/host.hpp>

#include "temp_dir.hpp"

namespace mercato::test {

inline std::unique_ptr<es::event_store> open_store(const std::filesystem::path& dir,
                                                   std::uint32_t shards = 8) {
  es::store_options o;
  o.data_dir = dir;
  o.shard_count = shards;
  auto s = es::event_store::open(o);
  if (!s) FAIL("open failed: " << s.error().message);
  return std::move(*s);
}

inline es::event_data to_data(const domain::any_event& e) {
  return codec::to_event_data(e);
}

/// Appends `events` to `stream` atomically; returns their positions.
inline std::vector<es::position> append(es::event_store& s, const std::string& stream,
                                        const std::vector<domain::any_event>& events) {
  auto id = es::stream_id::make(stream);
  REQUIRE(id.has_value());
  es::append_request r{*id, es::expected_version::any(), {}, {}, {}};
  for (const auto& e : events) r.events.push_back(to_data(e));
  auto ok = s.append(std::move(r));
  if (!ok) FAIL("append failed: " << ok.error().message);
  return ok->positions;
}

inline domain::money eur(std::int64_t cents) {
  auto m = domain::make_money(cents, "EUR");
  REQUIRE(m.has_value());
  return *m;
}

inline domain::product_created created(const std::string& id, const std::string& name, std::uint32_t stock,
                                       std::int64_t cents = 1999) {
  return domain::product_created{domain::product_id{id}, "SKU-" + id, name,
                                 name + " description",  "books",     eur(cents),
                                 {"img/" + id + ".png"}, stock};
}

inline domain::product_restocked restocked(const std::string& id, std::uint32_t qty) {
  return domain::product_restocked{domain::product_id{id}, qty, 0};
}

/// Every key and value under `prefix`, keys relative to it (one RocksDB iterator: one
/// consistent snapshot).
inline std::map<std::string, std::string> model(const es::event_store& s, const std::string& prefix) {
  std::map<std::string, std::string> m;
  auto r =
      s.scan_projection(prefix, projections::prefix_end(prefix), [&](std::string_view k, std::string_view v) {
        m.emplace(std::string(k.substr(prefix.size())), std::string(v));
        return true;
      });
  REQUIRE(r.has_value());
  return m;
}

}  // namespace mercato::test
