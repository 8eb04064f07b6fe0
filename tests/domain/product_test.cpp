// Products and inventory: prices, stock never negative, reservations per order.
#include <limits>

#include <mercato/domain/product.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;

namespace {

const order_id o1{"o-1"};
const order_id o2{"o-2"};

create_product creation(std::int64_t stock = 10) {
  return create_product{product_id{"p-1"}, "SKU-1", "Mug", "A mug", "kitchen", eur(1299), {"a.png"}, stock};
}

product_state created(std::int64_t stock = 10) {
  product_state s;
  run(s, creation(stock));
  return s;
}

}  // namespace

TEST_CASE("create: an active product with its stock") {
  product_state s;
  const auto e = only<product_created>(run(s, creation()));
  CHECK(e.initial_stock == 10);
  CHECK(exists(s));
  CHECK(s.active);
  CHECK(s.stock == 10);
  CHECK(s.price == eur(1299));
  CHECK(s.images == std::vector<std::string>{"a.png"});
  CHECK(created(0).stock == 0);
}

TEST_CASE("create refusals") {
  CHECK(refused(created(), creation()) == domain_errc::product_exists);
  auto c = creation();
  c.name = "  ";
  CHECK(refused(product_state{}, c) == domain_errc::invalid_request);
  c = creation();
  c.product_id = product_id{};
  CHECK(refused(product_state{}, c) == domain_errc::invalid_request);
  c = creation();
  c.price = eur(-1);
  CHECK(refused(product_state{}, c) == domain_errc::invalid_price);
  c = creation();
  c.price = money{100, currency_code{}};
  CHECK(refused(product_state{}, c) == domain_errc::invalid_price);
  CHECK(refused(product_state{}, creation(-1)) == domain_errc::stock_negative);
  CHECK(refused(product_state{}, creation(std::int64_t{1} << 32)) == domain_errc::invalid_request);
  c = creation();
  c.price = eur(0);  // free is a price
  CHECK(decide(product_state{}, c).has_value());
}

TEST_CASE("commands on a missing product are refused") {
  const product_state none;
  CHECK(refused(none, update_product{}) == domain_errc::product_not_found);
  CHECK(refused(none, deactivate_product{}) == domain_errc::product_not_found);
  CHECK(refused(none, reactivate_product{}) == domain_errc::product_not_found);
  CHECK(refused(none, restock_product{1}) == domain_errc::product_not_found);
  CHECK(refused(none, reserve_stock{o1, 1}) == domain_errc::product_not_found);
  CHECK(refused(none, release_reservation{o1, cancel_reason::unspecified, ""}) ==
        domain_errc::product_not_found);
  CHECK(refused(none, commit_reservation{o1}) == domain_errc::product_not_found);
}

TEST_CASE("update is partial and records only what changed") {
  auto s = created();
  update_product u;
  u.name = "Big mug";
  u.category = "kitchen";  // unchanged
  u.price = eur(1499);
  const auto e = only<product_updated>(run(s, u));
  CHECK(e.name == "Big mug");
  CHECK_FALSE(e.category.has_value());
  CHECK_FALSE(e.description.has_value());
  CHECK(e.price == eur(1499));
  CHECK(s.name == "Big mug");
  CHECK(s.description == "A mug");
  CHECK(s.price == eur(1499));
  CHECK(run(s, u).empty());
  CHECK(run(s, update_product{}).empty());
  update_product images;
  images.images = std::vector<std::string>{"b.png", "c.png"};
  run(s, images);
  CHECK(s.images.size() == 2);
}

TEST_CASE("update refusals") {
  const auto s = created();
  update_product u;
  u.name = "";
  CHECK(refused(s, u) == domain_errc::invalid_request);
  u = {};
  u.price = eur(-5);
  CHECK(refused(s, u) == domain_errc::invalid_price);
}

TEST_CASE("deactivate and reactivate are idempotent") {
  auto s = created();
  only<product_deactivated>(run(s, deactivate_product{}));
  CHECK_FALSE(s.active);
  CHECK(run(s, deactivate_product{}).empty());
  only<product_reactivated>(run(s, reactivate_product{}));
  CHECK(s.active);
  CHECK(run(s, reactivate_product{}).empty());
}

TEST_CASE("restock adds positive quantities") {
  auto s = created(3);
  const auto e = only<product_restocked>(run(s, restock_product{4}));
  CHECK(e.quantity == 4);
  CHECK(e.new_stock == 7);
  CHECK(s.stock == 7);
  CHECK(refused(s, restock_product{0}) == domain_errc::invalid_request);
  CHECK(refused(s, restock_product{-2}) == domain_errc::invalid_request);
  CHECK(refused(s, restock_product{std::numeric_limits<std::uint32_t>::max()}) ==
        domain_errc::invalid_request);
}

TEST_CASE("restock counts reserved units against the limit") {
  auto s = created(0);
  run(s, restock_product{std::numeric_limits<std::uint32_t>::max() - 5});
  run(s, reserve_stock{o1, 5});
  CHECK(refused(s, restock_product{6}) == domain_errc::invalid_request);
  run(s, restock_product{5});
}

TEST_CASE("reserve takes units out of the available stock") {
  auto s = created(10);
  const auto e = only<product_stock_reserved>(run(s, reserve_stock{o1, 4}));
  CHECK(e.new_stock == 6);
  CHECK(s.stock == 6);
  REQUIRE(reservation_of(s, o1) != nullptr);
  CHECK(reservation_of(s, o1)->quantity == 4);
  run(s, reserve_stock{o2, 6});
  CHECK(s.stock == 0);
  CHECK(refused(s, reserve_stock{order_id{"o-3"}, 1}) == domain_errc::insufficient_stock);
}

TEST_CASE("reserve never oversells and never goes negative") {
  auto s = created(5);
  CHECK(refused(s, reserve_stock{o1, 6}) == domain_errc::insufficient_stock);
  CHECK(s.stock == 5);
  for (int i = 0; i < 5; ++i) run(s, reserve_stock{order_id{"o-" + std::to_string(i)}, 1});
  CHECK(refused(s, reserve_stock{order_id{"o-x"}, 1}) == domain_errc::insufficient_stock);
  CHECK(s.stock == 0);
}

TEST_CASE("a reservation belongs to one order") {
  auto s = created(10);
  run(s, reserve_stock{o1, 3});
  CHECK(run(s, reserve_stock{o1, 3}).empty());  // the same reservation again: no-op
  CHECK(s.stock == 7);
  CHECK(refused(s, reserve_stock{o1, 4}) == domain_errc::reservation_exists);
  CHECK(s.reservations.size() == 1);
}

TEST_CASE("reserve refusals") {
  auto s = created(10);
  CHECK(refused(s, reserve_stock{o1, 0}) == domain_errc::invalid_request);
  CHECK(refused(s, reserve_stock{o1, -1}) == domain_errc::invalid_request);
  CHECK(refused(s, reserve_stock{order_id{}, 1}) == domain_errc::invalid_request);
  run(s, deactivate_product{});
  CHECK(refused(s, reserve_stock{o1, 1}) == domain_errc::product_inactive);
}

TEST_CASE("release gives an existing reservation back") {
  auto s = created(10);
  run(s, reserve_stock{o1, 3});
  const auto e = only<product_reservation_released>(
      run(s, release_reservation{o1, cancel_reason::payment_failed, "declined"}));
  CHECK(e.quantity == 3);
  CHECK(e.new_stock == 10);
  CHECK(e.reason == cancel_reason::payment_failed);
  CHECK(s.stock == 10);
  CHECK(s.reservations.empty());
  CHECK(refused(s, release_reservation{o1, cancel_reason::unspecified, ""}) ==
        domain_errc::reservation_not_found);
  CHECK(refused(s, release_reservation{o2, cancel_reason::unspecified, ""}) ==
        domain_errc::reservation_not_found);
}

TEST_CASE("release works on an inactive product") {
  auto s = created(10);
  run(s, reserve_stock{o1, 3});
  run(s, deactivate_product{});
  run(s, release_reservation{o1, cancel_reason::unspecified, ""});
  CHECK(s.stock == 10);
}

TEST_CASE("commit turns a reservation into a sale; stock stays reduced") {
  auto s = created(10);
  run(s, reserve_stock{o1, 3});
  const auto e = only<product_reservation_committed>(run(s, commit_reservation{o1}));
  CHECK(e.quantity == 3);
  CHECK(s.stock == 7);
  CHECK(s.sold == 3);
  CHECK(s.reservations.empty());
  CHECK(refused(s, commit_reservation{o1}) == domain_errc::reservation_not_found);
  CHECK(refused(s, release_reservation{o1, cancel_reason::unspecified, ""}) ==
        domain_errc::reservation_not_found);
}
