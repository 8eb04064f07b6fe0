// Carts: quantity bounds, active products only, prices kept per line, checkout.
#include <limits>

#include <mercato/domain/cart.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;

namespace {

const user_id ann{"u-ann"};
const product_id mug{"p-mug"};
const product_id pen{"p-pen"};

product_view on_sale(const char* name, money price) {
  return product_view{true, true, name, price};
}

add_cart_item add(const product_id& p, std::int64_t qty, money price = eur(500)) {
  return add_cart_item{ann, p, qty, on_sale("Mug", price)};
}

cart_state with_mug(std::int64_t qty = 2) {
  cart_state s;
  run(s, add(mug, qty));
  return s;
}

}  // namespace

TEST_CASE("the first add creates the user's one cart") {
  cart_state s;
  const auto e = only<cart_item_added>(run(s, add(mug, 2)));
  CHECK(e.cart_id == cart_id_for(ann));
  CHECK(e.user_id == ann);
  CHECK(e.quantity == 2);
  CHECK(e.line_quantity == 2);
  CHECK(e.unit_price == eur(500));
  CHECK(s.cart_id == cart_id_for(ann));
  REQUIRE(s.lines.size() == 1);
  CHECK(s.lines[0].product_name == "Mug");
}

TEST_CASE("adding to an existing line sums and keeps the first price and name") {
  auto s = with_mug(2);
  auto more = add(mug, 3, eur(900));
  more.product.name = "Renamed mug";
  const auto e = only<cart_item_added>(run(s, more));
  CHECK(e.quantity == 3);
  CHECK(e.line_quantity == 5);
  CHECK(e.unit_price == eur(500));
  CHECK(e.product_name == "Mug");
  REQUIRE(s.lines.size() == 1);
  CHECK(s.lines[0].quantity == 5);
  CHECK(s.lines[0].unit_price == eur(500));
}

TEST_CASE("quantity per line is 1..99 by default") {
  CHECK(refused(cart_state{}, add(mug, 0)) == domain_errc::quantity_out_of_range);
  CHECK(refused(cart_state{}, add(mug, -1)) == domain_errc::quantity_out_of_range);
  CHECK(refused(cart_state{}, add(mug, 100)) == domain_errc::quantity_out_of_range);
  CHECK(decide(cart_state{}, add(mug, 99)).has_value());
  CHECK(decide(cart_state{}, add(mug, 1)).has_value());
  auto s = with_mug(98);
  CHECK(decide(s, add(mug, 1)).has_value());
  CHECK(refused(s, add(mug, 2)) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, add(mug, 0)) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, add(mug, std::numeric_limits<std::int64_t>::max())) == domain_errc::quantity_out_of_range);
}

TEST_CASE("the per-line maximum is configurable") {
  const cart_config five{5};
  CHECK(refused(cart_state{}, add(mug, 6), five) == domain_errc::quantity_out_of_range);
  cart_state s;
  run(s, add(mug, 5), five);
  CHECK(refused(s, add(mug, 1), five) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, change_cart_item_quantity{mug, 6}, five) == domain_errc::quantity_out_of_range);
}

TEST_CASE("a long load test fits one line: 1 unit every 4 s for 16 minutes, under a 1000000 limit") {
  const cart_config large{1000000};
  cart_state s;
  for (int i = 0; i < 16 * 60 / 4; ++i) run(s, add(mug, 1), large);
  CHECK(s.lines[0].quantity == 240);
  run(s, change_cart_item_quantity{mug, 50000}, large);  // ~200 users' worth on one line
  run(s, add(mug, 1), large);
  CHECK(s.lines[0].quantity == 50001);
  run(s, change_cart_item_quantity{mug, 1000000}, large);
  CHECK(refused(s, add(mug, 1), large) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, change_cart_item_quantity{mug, 1000001}, large) == domain_errc::quantity_out_of_range);
  CHECK(order_lines_of(s)->front().line_total == eur(500LL * 1000000));
}

TEST_CASE("max_line_quantity 0: no limit of its own, but never past 32 bits per line or per cart") {
  const cart_config unlimited{0};
  constexpr std::int64_t most = max_cart_units;  // 4294967295
  cart_state s;
  run(s, add(mug, 1000001), unlimited);
  CHECK(s.lines[0].quantity == 1000001);
  CHECK(refused(cart_state{}, add(mug, 0), unlimited) == domain_errc::quantity_out_of_range);
  CHECK(refused(cart_state{}, add(mug, most + 1), unlimited) == domain_errc::quantity_out_of_range);
  CHECK(refused(cart_state{}, add(mug, std::numeric_limits<std::int64_t>::max()), unlimited) ==
        domain_errc::quantity_out_of_range);
  // The summed line would wrap a UInt32: refused, not truncated.
  run(s, change_cart_item_quantity{mug, most - 1}, unlimited);
  CHECK(s.lines[0].quantity == most - 1);
  run(s, add(mug, 1), unlimited);
  CHECK(s.lines[0].quantity == most);
  CHECK(refused(s, add(mug, 1), unlimited) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, add(mug, most), unlimited) == domain_errc::quantity_out_of_range);
  // Nor may the cart's units in all (the item count of carts and orders).
  CHECK(refused(s, add(pen, 1, eur(1)), unlimited) == domain_errc::quantity_out_of_range);
  run(s, change_cart_item_quantity{mug, most - 10}, unlimited);
  run(s, add(pen, 10, eur(1)), unlimited);
  CHECK(refused(s, change_cart_item_quantity{pen, 11}, unlimited) == domain_errc::quantity_out_of_range);
  CHECK(order_lines_of(s).has_value());
}

TEST_CASE("a line whose total money cannot hold is refused when added, not at checkout") {
  const cart_config unlimited{0};
  const auto dear = eur(std::numeric_limits<std::int64_t>::max() / 1000);
  cart_state s;
  run(s, add(mug, 1000, dear), unlimited);
  CHECK(refused(s, add(mug, 1, dear), unlimited) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, change_cart_item_quantity{mug, 1001}, unlimited) == domain_errc::quantity_out_of_range);
  CHECK(refused(cart_state{}, add(mug, 1001, dear), unlimited) == domain_errc::quantity_out_of_range);
  CHECK(order_lines_of(s).has_value());
}

TEST_CASE("only existing, active products with a valid price can be added") {
  auto missing = add(mug, 1);
  missing.product.exists = false;
  CHECK(refused(cart_state{}, missing) == domain_errc::product_not_found);
  auto inactive = add(mug, 1);
  inactive.product.active = false;
  CHECK(refused(cart_state{}, inactive) == domain_errc::product_inactive);
  CHECK(refused(cart_state{}, add(mug, 1, eur(-1))) == domain_errc::invalid_price);
  CHECK(refused(cart_state{}, add(mug, 1, money{})) == domain_errc::invalid_price);
  CHECK(refused(cart_state{}, add(product_id{}, 1)) == domain_errc::invalid_request);
  // a line already in the cart cannot grow once its product is deactivated
  auto s = with_mug();
  CHECK(refused(s, inactive) == domain_errc::product_inactive);
}

TEST_CASE("one cart, one owner, one currency") {
  auto s = with_mug();
  auto other_user = add(pen, 1);
  other_user.user_id = user_id{"u-bob"};
  CHECK(refused(s, other_user) == domain_errc::forbidden);
  auto nobody = add(pen, 1);
  nobody.user_id = user_id{};
  CHECK(refused(cart_state{}, nobody) == domain_errc::invalid_request);
  CHECK(refused(s, add(pen, 1, usd(100))) == domain_errc::currency_mismatch);
  run(s, add(pen, 1, eur(100)));
  CHECK(s.lines.size() == 2);
}

TEST_CASE("change quantity") {
  auto s = with_mug(2);
  const auto e = only<cart_item_quantity_changed>(run(s, change_cart_item_quantity{mug, 7}));
  CHECK(e.quantity == 7);
  CHECK(e.previous_quantity == 2);
  CHECK(s.lines[0].quantity == 7);
  CHECK(run(s, change_cart_item_quantity{mug, 7}).empty());
  CHECK(refused(s, change_cart_item_quantity{mug, 0}) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, change_cart_item_quantity{mug, 100}) == domain_errc::quantity_out_of_range);
  CHECK(refused(s, change_cart_item_quantity{pen, 1}) == domain_errc::line_not_found);
}

TEST_CASE("remove an item") {
  auto s = with_mug();
  run(s, add(pen, 1));
  only<cart_item_removed>(run(s, remove_cart_item{mug}));
  REQUIRE(s.lines.size() == 1);
  CHECK(s.lines[0].product_id == pen);
  CHECK(refused(s, remove_cart_item{mug}) == domain_errc::line_not_found);
  CHECK(refused(cart_state{}, remove_cart_item{mug}) == domain_errc::line_not_found);
}

TEST_CASE("clear empties the cart; clearing an empty cart is a no-op") {
  auto s = with_mug();
  run(s, add(pen, 1));
  only<cart_cleared>(run(s, clear_cart{}));
  CHECK(s.lines.empty());
  CHECK(run(s, clear_cart{}).empty());
  cart_state fresh;
  CHECK(run(fresh, clear_cart{}).empty());
}

TEST_CASE("checkout of an empty cart is refused") {
  CHECK(refused(cart_state{}, check_out_cart{order_id{"o-1"}, checkout_id{"c-1"}}) ==
        domain_errc::cart_empty);
  auto s = with_mug();
  run(s, clear_cart{});
  CHECK(refused(s, check_out_cart{order_id{"o-1"}, checkout_id{"c-1"}}) == domain_errc::cart_empty);
  CHECK(refused(with_mug(), check_out_cart{order_id{}, checkout_id{"c-1"}}) == domain_errc::invalid_request);
}

TEST_CASE("checkout empties the cart, which then takes new items") {
  auto s = with_mug();
  const auto e = only<cart_checked_out>(run(s, check_out_cart{order_id{"o-1"}, checkout_id{"c-1"}}));
  CHECK(e.order_id == order_id{"o-1"});
  CHECK(s.lines.empty());
  CHECK(s.status == cart_status::checked_out);
  CHECK(s.last_checkout_id == checkout_id{"c-1"});
  CHECK(s.last_order_id == order_id{"o-1"});
  // the same checkout again (a resumed saga) is a no-op, another is refused as empty
  CHECK(run(s, check_out_cart{order_id{"o-1"}, checkout_id{"c-1"}}).empty());
  CHECK(refused(s, check_out_cart{order_id{"o-2"}, checkout_id{"c-2"}}) == domain_errc::cart_empty);
  run(s, add(pen, 1));
  CHECK(s.status == cart_status::open);
  CHECK(s.cart_id == cart_id_for(ann));
  CHECK(s.lines.size() == 1);
}

TEST_CASE("a cart's lines become order lines with totals") {
  auto s = with_mug(3);
  run(s, add(pen, 2, eur(150)));
  auto lines = order_lines_of(s);
  REQUIRE(lines.has_value());
  REQUIRE(lines->size() == 2);
  CHECK((*lines)[0].line_total == eur(1500));
  CHECK((*lines)[1].line_total == eur(300));
  CHECK(*check_lines(*lines) == eur(1800));
  CHECK(order_lines_of(cart_state{}).error().code == domain_errc::cart_empty);
}
