// Child of projections_crash_test: a shop under load (registrations, carts, checkouts,
// ships, cancels, refunds, price changes, restocks through the real actors engine) with the
// projection host running every read model, until the parent kills it with SIGKILL. Each
// run may also ask for an operator rebuild of one read model, so kills land mid-rebuild
// and mid-swap too. Setup is idempotent, so every run continues the same shop.
//
// It says "READY" when its setup is done, then "HEAD <global position>" after every
// command it has completed: the log's committed head, every event up to it acknowledged
// (synced). The parent kills it once that head has moved far enough.
//
// With "mid-batch", it also stops a runner in the middle of a batch that holds several
// read models — at random, either folded and not yet committed, or committed and not yet
// published — says "MIDBATCH <stage> <read models> <events>" and keeps that runner there
// until the parent kills it.
//
// Usage: projections_crash_child <data-dir> <seed> [mid-batch]
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <mercato/actors/engine.hpp>
#include <mercato/domain/money.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/host.hpp>
#include <mercato/projections/registry.hpp>

using namespace mercato;
using namespace std::chrono_literals;

namespace {

void say(const std::string& line) {
  const auto s = line + "\n";
  if (write(STDOUT_FILENO, s.data(), s.size()) != static_cast<ssize_t>(s.size())) std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) return 2;
  const bool mid_batch = argc == 4 && std::string(argv[3]) == "mid-batch";
  es::store_options so;
  so.data_dir = argv[1];
  so.shard_count = 8;
  auto store = es::event_store::open(so);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  std::mt19937 rng(static_cast<unsigned>(std::stoul(argv[2])));

  projections::host_options ho;
  ho.runner.batch_events = 1 + rng() % 200;  // many commit boundaries to be killed between
  ho.build_batch_events = 1 + rng() % 300;
  ho.runner.readers = 1 + rng() % 3;  // shards split over 1–3 read-ahead threads
  ho.build_readers = 1 + rng() % 3;
  ho.supervise_every = 5ms;
  ho.retire_grace = std::chrono::milliseconds(rng() % 100);
  ho.join_within_events = rng() % 500;
  if (mid_batch) {
    // The n-th batch (of those that commit several read models at once) stops at one stage.
    auto countdown = std::make_shared<std::atomic<int>>(static_cast<int>(1 + rng() % 40));
    const auto stop_at =
        rng() % 2 ? projections::batch_report::stage::folded : projections::batch_report::stage::committed;
    ho.runner.on_batch = [countdown, stop_at](const projections::batch_report& r) {
      if (r.at != stop_at || r.prefixes.size() < 2 || countdown->fetch_sub(1) != 1) return;
      say(std::string("MIDBATCH ") +
          (stop_at == projections::batch_report::stage::folded ? "folded" : "committed") + " " +
          std::to_string(r.prefixes.size()) + " " + std::to_string(r.events));
      for (;;) pause();  // until SIGKILL
    };
  }
  auto host = projections::host::start(**store, projections::read_models(), ho);
  if (!host) {
    std::fprintf(stderr, "host: %s\n", host.error().message.c_str());
    return 1;
  }
  const auto names = (*host)->names();
  std::thread rebuilder;
  if (rng() % 2 == 0) {
    const auto name = names[rng() % names.size()];
    const auto delay = std::chrono::milliseconds(rng() % 300);
    rebuilder = std::thread([&h = **host, name, delay] {
      std::this_thread::sleep_for(delay);
      (void)h.rebuild(name);
      say("REBUILD " + name);
    });
  }

  actors::engine_options eo;
  eo.password = {1, 8192};
  eo.snapshot_every = 5;
  auto sim = std::make_shared<actors::simulated_provider>();
  eo.provider = sim;
  auto engine = actors::engine::start(**store, eo);
  if (!engine) return 1;
  auto& e = **engine;

  const auto price = [](std::int64_t cents) { return *domain::make_money(cents, "EUR"); };
  for (int p = 0; p < 6; ++p) {
    const domain::product_id id{"p" + std::to_string(p)};
    auto r = actors::await<domain::product_state>([&](auto done) {
      e.send(id,
             domain::product_command{domain::create_product{id,
                                                            "SKU-" + id.value(),
                                                            "Product " + id.value(),
                                                            "A fine product number " + std::to_string(p),
                                                            p % 2 ? "books" : "games",
                                                            price(500 + 100 * p),
                                                            {},
                                                            500}},
             {"create-" + id.value(), ""}, done);
    });
    if (!r && r.error().error.code != domain::domain_errc::product_exists) return 1;
  }
  std::vector<domain::user_id> users;
  for (int u = 0; u < 20; ++u) {
    auto r = actors::await<domain::user_state>([&](auto done) {
      e.register_user("shopper" + std::to_string(u) + "@example.com", "Password123!",
                      "Shopper " + std::to_string(u), domain::role::customer,
                      {"register-" + std::to_string(u), ""}, done);
    });
    if (!r) return 1;
    users.push_back(r->state.user_id);
  }
  say("READY");

  std::mutex orders_mutex;
  std::vector<domain::order_id> confirmed;
  std::atomic<int> in_flight{0};
  for (std::uint64_t i = 0;; ++i) {
    say("HEAD " + std::to_string((*store)->global_head().value()));
    while (in_flight.load() >= 8) std::this_thread::sleep_for(1ms);
    sim->set_delay(std::chrono::milliseconds(rng() % 3));
    const auto& user = users[rng() % users.size()];
    const auto product = domain::product_id{"p" + std::to_string(rng() % 6)};
    const auto dice = rng() % 20;
    if (dice == 0) {
      (void)actors::await<domain::product_state>([&](auto done) {
        e.send(product,
               domain::product_command{
                   domain::update_product{std::nullopt, std::nullopt, std::nullopt,
                                          price(400 + static_cast<std::int64_t>(rng() % 700)), std::nullopt}},
               {}, done);
      });
      continue;
    }
    if (dice == 1) {
      (void)actors::await<domain::product_state>([&](auto done) {
        e.send(product, domain::product_command{domain::restock_product{50}}, {}, done);
      });
      continue;
    }
    if (dice <= 4) {
      std::optional<domain::order_id> order;
      {
        std::lock_guard lock(orders_mutex);
        if (!confirmed.empty()) {
          const auto k = rng() % confirmed.size();
          order = confirmed[k];
          confirmed.erase(confirmed.begin() + static_cast<std::ptrdiff_t>(k));
        }
      }
      if (!order) continue;
      if (dice == 2) {
        (void)actors::await<domain::order_state>(
            [&](auto done) { e.ship_order(*order, "TRACK-" + std::to_string(i), "DHL", {}, done); });
      } else if (dice == 3) {
        (void)actors::await<domain::order_state>(
            [&](auto done) { e.cancel_order(*order, user, true, "changed mind", {}, done); });
      } else {
        (void)actors::await<domain::order_state>(
            [&](auto done) { e.refund_order(*order, std::nullopt, "damaged", {}, done); });
      }
      continue;
    }
    const std::string token = rng() % 5 == 0 ? "tok_chargeDeclined" : "tok_visa";
    auto added = actors::await<domain::cart_state>(
        [&](auto done) { e.add_to_cart(user, product, 1 + static_cast<std::int64_t>(rng() % 2), {}, done); });
    if (!added) continue;
    ++in_flight;
    e.checkout(user, token, {}, [&](actors::reply<domain::checkout_state> r) {
      if (r && r->state.outcome == domain::checkout_outcome::confirmed) {
        std::lock_guard lock(orders_mutex);
        confirmed.push_back(r->state.order_id);
      }
      --in_flight;
    });
  }
}
