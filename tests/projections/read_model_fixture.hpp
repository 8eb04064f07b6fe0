#pragma once
// Read-model tests: a store whose commit clock the test sets (so times, days and
// newest-first orders are exact), a runner folding one read model, and builders of real
// domain events of carts, orders, payments and notifications.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <mercato/domain/order_line.hpp>
#include <mercato/projections/query.hpp>
#include <mercato/projections/runner.hpp>

#include "projection_fixture.hpp"

namespace mercato::test {

/// 2026-03-01T00:00:00Z in ns.
inline constexpr std::int64_t day0_ns = 1'772'323'200'000'000'000;
inline constexpr std::int64_t day_ns = 86'400'000'000'000;

/// A store whose commit timestamps are `now` (set it before each append).
struct clocked_store {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(day0_ns);
  std::unique_ptr<es::event_store> store;

  explicit clocked_store(const std::filesystem::path& dir, std::uint32_t shards = 4) {
    es::store_options o;
    o.data_dir = dir;
    o.shard_count = shards;
    o.clock = [n = now] { return n->load(); };
    auto s = es::event_store::open(o);
    if (!s) FAIL("open failed: " << s.error().message);
    store = std::move(*s);
  }
  /// Appends at time `at_ns`.
  std::vector<es::position> at(std::int64_t at_ns, const std::string& stream,
                               const std::vector<domain::any_event>& events) {
    now->store(at_ns);
    return append(*store, stream, events);
  }
};

/// Folds every event of `store` so far into projection P (a bare runner, default prefix)
/// and returns the runner once it has caught up.
template <class P>
std::unique_ptr<projections::projection_runner> fold_all(es::event_store& store) {
  auto r = projections::projection_runner::start(store, std::make_shared<P>());
  REQUIRE(r.has_value());
  std::vector<es::position> heads;
  for (std::uint32_t s = 0; s < store.info().shard_count; ++s)
    heads.push_back(es::position{es::shard_id{s}, store.shard_head(es::shard_id{s})});
  REQUIRE((*r)->wait_until(heads, std::chrono::seconds(10)));
  REQUIRE((*r)->last_error() == std::nullopt);
  return std::move(*r);
}

/// Waits until the runner has passed `positions`.
inline void caught_up(const projections::projection_runner& r, const std::vector<es::position>& positions) {
  REQUIRE(r.wait_until(positions, std::chrono::seconds(10)));
}

inline domain::order_line line(const std::string& product, std::uint32_t qty, std::int64_t unit_cents) {
  auto l = domain::make_order_line(domain::product_id{product}, "name of " + product, qty, eur(unit_cents));
  REQUIRE(l.has_value());
  return *l;
}

inline domain::order_placed placed(const std::string& order, const std::string& user,
                                   std::vector<domain::order_line> lines) {
  std::int64_t total = 0;
  for (const auto& l : lines) total += l.line_total.minor_units;
  return domain::order_placed{domain::order_id{order},
                              domain::user_id{user},
                              domain::cart_id{"cart-" + user},
                              domain::checkout_id{"co-" + order},
                              std::move(lines),
                              eur(total)};
}

inline domain::payment_authorization_requested payment_requested(const std::string& payment,
                                                                 const std::string& order,
                                                                 const std::string& user,
                                                                 std::int64_t cents) {
  return domain::payment_authorization_requested{domain::payment_id{payment},
                                                 domain::order_id{order},
                                                 domain::user_id{user},
                                                 eur(cents),
                                                 "simulated",
                                                 "visa",
                                                 "tok_…4242"};
}

inline domain::notification_emitted note(
    const std::string& id, const std::string& user, const std::string& order,
    domain::notification_kind kind = domain::notification_kind::order_confirmed) {
  return domain::notification_emitted{domain::notification_id{id}, domain::user_id{user}, kind,
                                      domain::order_id{order},     "subject " + id,       "body " + id};
}

/// The ids of a list of read-model items.
template <class T>
std::vector<std::string> ids_of(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.id);
  return out;
}

}  // namespace mercato::test
