// Every read model is a deterministic fold: folded live one event per batch, or from zero
// in large batches, it ends in exactly the same keys and values. This catches any state a
// model keeps outside its batch_writer or any read of a value not yet committed. And all of
// them fed by one runner: one decode per event, each fed once, one commit per batch.
#include <atomic>
#include <map>
#include <mutex>

#include <mercato/projections/host.hpp>
#include <mercato/projections/registry.hpp>

#include "projection_fixture.hpp"
#include "read_model_fixture.hpp"

using namespace mercato;
using namespace mercato::test;

namespace {

/// A small shop's log: products, carts, checkouts, payments, shipping, refunds,
/// cancellations, notifications, deactivation and restocking.
std::vector<es::position> shop(clocked_store& cs) {
  std::vector<es::position> last;
  auto t = day0_ns;
  auto at = [&](const std::string& stream, std::vector<domain::any_event> events) {
    t += 3'600'000'000'000;  // an hour apart: several UTC days in all
    last = cs.at(t, stream, events);
  };
  for (int p = 0; p < 6; ++p) {
    const auto id = "p" + std::to_string(p);
    at("product/" + id, {domain::product_created{domain::product_id{id},
                                                 "SKU" + id,
                                                 "Product " + id,
                                                 "about " + id,
                                                 p % 2 ? "odd" : "even",
                                                 eur(100 * (p + 1)),
                                                 {},
                                                 20}});
  }
  for (int i = 0; i < 12; ++i) {
    const auto u = "u" + std::to_string(i % 4), o = "o" + std::to_string(i), pay = "pay" + std::to_string(i);
    const auto p1 = "p" + std::to_string(i % 6), p2 = "p" + std::to_string((i + 2) % 6);
    const domain::order_id od{o};
    const domain::payment_id pd{pay};
    const domain::cart_id cart{"cart-" + u};
    at("cart/cart-" + u,
       {domain::cart_item_added{cart, domain::user_id{u}, domain::product_id{p1}, "n", 1, eur(100), 1}});
    at("cart/cart-" + u,
       {domain::cart_item_added{cart, domain::user_id{u}, domain::product_id{p2}, "n", 2, eur(300), 2}});
    at("order/" + o, {placed(o, u, {line(p1, 1, 100), line(p2, 2, 300)})});
    at("product/" + p1, {domain::product_stock_reserved{domain::product_id{p1}, od, 1, 0}});
    at("product/" + p2, {domain::product_stock_reserved{domain::product_id{p2}, od, 2, 0}});
    at("order/" + o, {domain::order_stock_reserved{od}});
    at("payment/" + pay, {payment_requested(pay, o, u, 700)});
    if (i % 5 == 4) {  // declined: compensate
      at("payment/" + pay,
         {domain::payment_authorization_failed{pd, od, domain::payment_failure_reason::declined, "no"},
          note("n-f" + o, u, o, domain::notification_kind::payment_failed)});
      at("product/" + p1, {domain::product_reservation_released{
                              domain::product_id{p1}, od, 1, domain::cancel_reason::payment_failed, "", 0}});
      at("product/" + p2, {domain::product_reservation_released{
                              domain::product_id{p2}, od, 2, domain::cancel_reason::payment_failed, "", 0}});
      at("order/" + o, {domain::order_cancelled{od, domain::cancel_reason::payment_failed, "declined", {}},
                        note("n-c" + o, u, o, domain::notification_kind::order_cancelled)});
      continue;
    }
    at("payment/" + pay, {domain::payment_authorized{pd, od, eur(700), "ref"}});
    at("order/" + o, {domain::order_payment_authorized{od, pd}});
    at("order/" + o, {domain::order_confirmed{od}, note("n-ok" + o, u, o)});
    at("cart/cart-" + u, {domain::cart_checked_out{cart, od, domain::checkout_id{"co-" + o}}});
    if (i % 3 == 0) continue;  // confirmed, not shipped
    at("payment/" + pay, {domain::payment_captured{pd, od, eur(700), "ref"}});
    at("product/" + p1, {domain::product_reservation_committed{domain::product_id{p1}, od, 1}});
    at("product/" + p2, {domain::product_reservation_committed{domain::product_id{p2}, od, 2}});
    at("order/" + o, {domain::order_shipped{od, "T" + o, "DHL"},
                      note("n-s" + o, u, o, domain::notification_kind::order_shipped)});
    if (i % 4 == 1) {
      const domain::refund_id r{"r" + o};
      at("payment/" + pay, {domain::payment_refunded{pd, od, eur(200), r, "x", "dented"}});
      at("order/" + o, {domain::order_refunded{od, eur(200), "dented", pd, r},
                        note("n-r" + o, u, o, domain::notification_kind::refund_issued)});
    }
  }
  at("product/p3", {domain::product_deactivated{domain::product_id{"p3"}}});
  at("product/p4", {domain::product_updated{domain::product_id{"p4"}, "Renamed", std::nullopt, "even",
                                            eur(50), std::nullopt}});
  at("product/p0", {restocked("p0", 7)});
  return last;
}

}  // namespace

TEST_CASE("every read model folded live one event per batch equals the same folded from zero") {
  temp_dir dir;
  clocked_store cs(dir.path());
  const auto last = shop(cs);
  for (const auto& model : projections::read_models()) {
    CAPTURE(model->name());
    const auto live_prefix = "test/live/" + std::string(model->name()) + "/";
    const auto once_prefix = "test/once/" + std::string(model->name()) + "/";
    {
      projections::runner_options o;
      o.batch_events = 1;
      o.poll_wait = std::chrono::milliseconds(5);
      auto r = projections::projection_runner::start(*cs.store, model, live_prefix, o);
      REQUIRE(r.has_value());
      caught_up(**r, last);
      REQUIRE((*r)->last_error() == std::nullopt);
    }
    REQUIRE(projections::fold_offline(*cs.store, *model, once_prefix).has_value());
    const auto live = test::model(*cs.store, live_prefix);
    const auto once = test::model(*cs.store, once_prefix);
    CHECK(live.size() >= 4);  // carts: one per user; the others hold more
    CHECK(live == once);
  }
}

namespace {

/// A read model as fed: counts how often each event reaches it, then applies it.
class counted final : public projections::projection {
 public:
  explicit counted(std::shared_ptr<projections::projection> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return inner_->name(); }
  std::uint32_t version() const override { return inner_->version(); }
  bool wants_decoded(const es::recorded_event& e) const override { return inner_->wants_decoded(e); }
  void apply(projections::batch_writer& out, const projections::log_event& e) override {
    {
      std::lock_guard lock(mutex_);
      ++fed_[{e.pos.shard.value(), e.pos.seq.value()}];
    }
    inner_->apply(out, e);
  }
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> fed() const {
    std::lock_guard lock(mutex_);
    return fed_;
  }

 private:
  std::shared_ptr<projections::projection> inner_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> fed_;
};

}  // namespace

TEST_CASE("one runner feeds every read model: each event decoded once, fed once to each, one commit") {
  temp_dir dir;
  clocked_store cs(dir.path());
  const auto last = shop(cs);
  auto& store = *cs.store;

  std::mutex m;
  std::map<std::pair<std::uint32_t, std::uint64_t>, int> decodes;
  std::vector<std::shared_ptr<counted>> models;
  std::vector<std::shared_ptr<projections::feed>> feeds;
  for (auto& p : projections::read_models()) {
    models.push_back(std::make_shared<counted>(p));
    auto f = projections::feed::open(store, models.back(), "test/together/" + std::string(p->name()) + "/");
    REQUIRE(f.has_value());
    feeds.push_back(std::move(*f));
  }
  std::atomic<int> commits{0}, partial{0}, uneven{0};
  projections::runner_options o;
  o.batch_events = 7;  // many batches
  o.poll_wait = std::chrono::milliseconds(5);
  o.decoder = [&](const es::recorded_event& e) {
    {
      std::lock_guard lock(m);
      ++decodes[{e.pos.shard.value(), e.pos.seq.value()}];
    }
    return codec::decode_event(e);
  };
  o.on_batch = [&](const projections::batch_report& r) {
    if (r.at != projections::batch_report::stage::committed) return;
    ++commits;
    if (r.prefixes.size() != feeds.size()) ++partial;
    // Right after the commit, before anything else can commit: every model's stored
    // checkpoints are the same.
    const auto first = projections::load_checkpoints(store, feeds.front()->prefix());
    for (const auto& f : feeds) {
      const auto cps = projections::load_checkpoints(store, f->prefix());
      if (!first || !cps || *cps != *first) ++uneven;
    }
  };
  {
    auto runner = projections::projection_runner::start(store, feeds, o);
    for (const auto& f : feeds) REQUIRE(f->wait_until(last, std::chrono::seconds(10)));
    std::vector<es::position> heads;
    for (std::uint32_t s = 0; s < store.info().shard_count; ++s)
      heads.push_back(es::position{es::shard_id{s}, store.shard_head(es::shard_id{s})});
    for (const auto& f : feeds) {
      REQUIRE(f->wait_until(heads, std::chrono::seconds(10)));
      CHECK_MESSAGE(f->last_error() == std::nullopt, f->prefix());
    }
    CHECK(static_cast<std::uint64_t>(commits.load()) == runner->stats().batches);
    CHECK(runner->stats().events_decoded == decodes.size());
  }
  const auto events = store.global_head().value();
  CHECK(commits > 1);
  CHECK(partial == 0);
  CHECK(uneven == 0);
  // Every event of this shop is one some model reads (products, carts, orders, payments,
  // notifications): decoded once for all six.
  CHECK(decodes.size() == events);
  for (const auto& [pos, n] : decodes) CHECK_MESSAGE(n == 1, "shard " << pos.first << " seq " << pos.second);
  for (const auto& c : models) {
    CAPTURE(c->name());
    const auto fed = c->fed();
    CHECK(fed.size() == events);
    for (const auto& [pos, n] : fed) CHECK_MESSAGE(n == 1, "shard " << pos.first << " seq " << pos.second);
    // And each ends where the model folded alone ends.
    const auto alone = "test/alone/" + std::string(c->name()) + "/";
    auto bare = projections::read_models();
    for (auto& p : bare)
      if (p->name() == c->name()) REQUIRE(projections::fold_offline(store, *p, alone).has_value());
    CHECK(test::model(store, "test/together/" + std::string(c->name()) + "/") == test::model(store, alone));
  }
}
