#include "demo_data.hpp"
#include <mercato/domain/money.hpp>
#include <mercato/eventstore/store.hpp>

namespace mercato::demo {

using actors::await;
using actors::command_meta;

namespace {

struct demo_product {
  const char* name;
  const char* description;
  const char* category;
  std::int64_t price_cents;
  std::int64_t stock;
};

constexpr demo_product catalog[] = {
    {"Espresso Cups (set of 6)", "Porcelain espresso cups with saucers", "kitchen", 2499, 120},
    {"Pour-Over Coffee Maker", "Glass pour-over brewer with a steel filter", "kitchen", 3999, 60},
    {"Chef's Knife 20 cm", "Forged stainless steel chef's knife", "kitchen", 8900, 40},
    {"Linen Tea Towels (2)", "Stonewashed linen tea towels", "kitchen", 1850, 200},
    {"Merino Wool Beanie", "Warm ribbed beanie in merino wool", "apparel", 2900, 150},
    {"Waterproof Rain Jacket", "Lightweight jacket with taped seams", "apparel", 12900, 35},
    {"Organic Cotton T-Shirt", "Crew neck t-shirt in organic cotton", "apparel", 1990, 300},
    {"Trail Running Shoes", "Grippy trail shoes with a rock plate", "footwear", 11900, 50},
    {"Wireless Headphones", "Over-ear headphones with noise cancelling", "electronics", 19900, 25},
    {"USB-C Charger 65 W", "Compact GaN charger with two ports", "electronics", 4490, 80},
    {"Paperback Notebook A5", "Dotted notebook, 192 pages", "stationery", 1290, 500},
    {"Fountain Pen", "Steel-nib fountain pen with converter", "stationery", 3490, 70},
};

constexpr const char* started_marker = "runtime/demo-data/started";
constexpr const char* done_marker = "runtime/demo-data/done";

std::string product_id_of(int i) {
  char id[24];
  std::snprintf(id, sizeof id, "prod-%03d", i + 1);
  return id;
}

}  // namespace

result<demo_summary, std::string> seed_demo_data(es::event_store& store, actors::engine& e) {
  demo_summary summary;
  auto done = store.load_checkpoint(done_marker);
  auto started = store.load_checkpoint(started_marker);
  if (!done || !started) return fail(std::string("cannot read the demo-data markers"));
  if (done->has_value()) return summary;
  if (!started->has_value()) {
    if (store.global_head().value() != 0) return summary;  // someone else's data: leave it alone
    es::aux_batch b;
    b.put_checkpoint(started_marker, "1");
    if (auto c = store.commit(std::move(b)); !c) return fail(c.error().message);
  }
  int i = 0;
  for (const auto& p : catalog) {
    const domain::product_id id{product_id_of(i++)};
    auto price = domain::make_money(p.price_cents, "EUR");
    if (!price) return fail(std::string("demo price is invalid"));
    auto r = await<domain::product_state>([&](auto cb) {
      e.send(
          id,
          domain::product_command{domain::create_product{id,
                                                         "SKU-" + id.value(),
                                                         p.name,
                                                         p.description,
                                                         p.category,
                                                         *price,
                                                         {"https://example.com/img/" + id.value() + ".jpg"},
                                                         p.stock}},
          {"demo/" + id.value(), "demo-data"}, cb);
    });
    if (!r) return fail("creating " + id.value() + ": " + r.error().error.message);
    ++summary.products;
  }
  auto user = await<domain::user_state>([&](auto cb) {
    e.register_user("test@example.com", "Password123!", "Test Customer", domain::role::customer,
                    {"demo/test-customer", "demo-data"}, cb);
  });
  if (!user) return fail("creating the demo customer: " + user.error().error.message);
  ++summary.users;
  es::aux_batch b;
  b.put_checkpoint(done_marker, "1");
  if (auto c = store.commit(std::move(b)); !c) return fail(c.error().message);
  summary.seeded = true;
  return summary;
}

}  // namespace mercato::demo
