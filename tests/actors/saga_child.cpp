// Child of saga_crash_test: runs checkouts in a loop against a real store until it is
// killed. Setup (products, users) is idempotent, so every run continues the same shop.
// It says "READY" when its setup is done, then "END <checkout id> confirmed|compensated"
// for every checkout that has ended (each line one write(), so whole on the way out).
//
// Usage: actors_saga_child <data-dir>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include <mercato/actors/engine.hpp>
#include <mercato/domain/money.hpp>
#include <mercato/eventstore/store.hpp>

using namespace mercato;

namespace {

void say(const std::string& line) {
  const auto s = line + "\n";
  if (write(STDOUT_FILENO, s.data(), s.size()) != static_cast<ssize_t>(s.size())) std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  es::store_options so;
  so.data_dir = argv[1];
  so.shard_count = 8;
  auto store = es::event_store::open(so);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  actors::engine_options eo;
  eo.password = {1, 8192};
  eo.snapshot_every = 5;
  auto sim = std::make_shared<actors::simulated_provider>();
  eo.provider = sim;
  auto engine = actors::engine::start(**store, eo);
  if (!engine) return 1;
  auto& e = **engine;

  for (int p = 0; p < 5; ++p) {
    const domain::product_id id{"p" + std::to_string(p)};
    auto r = actors::await<domain::product_state>([&](auto done) {
      e.send(id,
             domain::product_command{domain::create_product{
                 id, "SKU", "Product", "", "misc", *domain::make_money(500, "EUR"), {}, 1000}},
             {"create-" + id.value(), ""}, done);
    });
    if (!r && r.error().error.code != domain::domain_errc::product_exists) return 1;
  }
  std::vector<domain::user_id> users;
  for (int u = 0; u < 30; ++u) {
    auto r = actors::await<domain::user_state>([&](auto done) {
      e.register_user("shopper" + std::to_string(u) + "@example.com", "Password123!", "Shopper",
                      domain::role::customer, {"register-" + std::to_string(u), ""}, done);
    });
    if (!r) return 1;
    users.push_back(r->state.user_id);
  }
  say("READY");

  std::mt19937 rng(static_cast<unsigned>(getpid()));
  std::atomic<int> in_flight{0};
  for (std::uint64_t i = 0;; ++i) {
    while (in_flight.load() >= 8) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sim->set_delay(std::chrono::milliseconds(rng() % 4));
    const auto& user = users[rng() % users.size()];
    const std::string token = rng() % 5 == 0 ? "tok_chargeDeclined" : "tok_visa";
    auto added = actors::await<domain::cart_state>([&](auto done) {
      e.add_to_cart(user, domain::product_id{"p" + std::to_string(rng() % 5)}, 1 + rng() % 2, {}, done);
    });
    if (!added) continue;  // e.g. a line at its maximum
    ++in_flight;
    e.checkout(user, token, {}, [&](actors::reply<domain::checkout_state> r) {
      if (r && r->state.step == domain::checkout_step::completed)
        say("END " + r->state.checkout_id.value() + " " +
            (r->state.outcome == domain::checkout_outcome::confirmed ? "confirmed" : "compensated"));
      --in_flight;
    });
  }
}
