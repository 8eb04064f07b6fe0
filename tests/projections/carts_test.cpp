// The carts read model: lines, totals and item counts as the shopper sees them.
#include <mercato/projections/carts.hpp>

#include "read_model_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using projections::cart_view_line;
using projections::carts_projection;
using projections::carts_query;

namespace {

domain::cart_item_added added(const std::string& user, const std::string& product, std::uint32_t qty,
                              std::uint32_t line_qty, std::int64_t cents) {
  return domain::cart_item_added{domain::cart_id{"cart-" + user},
                                 domain::user_id{user},
                                 domain::product_id{product},
                                 "name of " + product,
                                 qty,
                                 eur(cents),
                                 line_qty};
}

domain::cart_id cart(const std::string& user) {
  return domain::cart_id{"cart-" + user};
}

projections::cart_view cart_of(const es::event_store& s, const std::string& user) {
  auto c = carts_query(s, projections::default_prefix<carts_projection>()).for_user(user);
  REQUIRE(c.has_value());
  return *c;
}

}  // namespace

TEST_CASE("a cart shows its lines in the order added, with totals, count and version") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "cart/cart-u1", {added("u1", "p1", 2, 2, 1999)});
  cs.at(day0_ns + 1, "cart/cart-u1", {added("u1", "p2", 1, 1, 500)});
  cs.at(day0_ns + 2, "cart/cart-u1", {added("u1", "p1", 1, 3, 1999)});  // same line, now 3
  auto runner = fold_all<carts_projection>(*cs.store);

  auto c = cart_of(*cs.store, "u1");
  CHECK(c.id == "cart-u1");
  CHECK(c.user_id == "u1");
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0] == cart_view_line{"p1", "name of p1", 1999, 3, 5997});
  CHECK(c.lines[1] == cart_view_line{"p2", "name of p2", 500, 1, 500});
  CHECK(c.total_minor == 6497);
  CHECK(c.currency == "EUR");
  CHECK(c.item_count == 4);
  CHECK(c.version == 3);
  CHECK(c.updated_ns == day0_ns + 2);
  CHECK_FALSE(c.checked_out);

  // get by cart id answers the same.
  auto by_id = carts_query(*cs.store, projections::default_prefix<carts_projection>()).get("cart-u1");
  REQUIRE(by_id.has_value());
  REQUIRE(by_id->has_value());
  CHECK(**by_id == c);

  caught_up(*runner, cs.at(day0_ns + 3, "cart/cart-u1",
                           {domain::cart_item_quantity_changed{cart("u1"), domain::product_id{"p2"}, 4, 1}}));
  c = cart_of(*cs.store, "u1");
  CHECK(c.lines[1].quantity == 4);
  CHECK(c.lines[1].line_total_minor == 2000);
  CHECK(c.total_minor == 7997);
  CHECK(c.item_count == 7);

  caught_up(*runner, cs.at(day0_ns + 4, "cart/cart-u1",
                           {domain::cart_item_removed{cart("u1"), domain::product_id{"p1"}}}));
  c = cart_of(*cs.store, "u1");
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].product_id == "p2");
  CHECK(c.total_minor == 2000);
  CHECK(c.version == 5);

  caught_up(*runner, cs.at(day0_ns + 5, "cart/cart-u1", {domain::cart_cleared{cart("u1")}}));
  c = cart_of(*cs.store, "u1");
  CHECK(c.lines.empty());
  CHECK(c.total_minor == 0);
  CHECK(c.item_count == 0);
  CHECK(c.currency.empty());
  CHECK(c.version == 6);
}

TEST_CASE("checkout empties the cart and records the order; adding again reopens it") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "cart/cart-u1", {added("u1", "p1", 2, 2, 1999)});
  cs.at(day0_ns, "cart/cart-u1",
        {domain::cart_checked_out{cart("u1"), domain::order_id{"o-1"}, domain::checkout_id{"co-1"}}});
  auto runner = fold_all<carts_projection>(*cs.store);
  auto c = cart_of(*cs.store, "u1");
  CHECK(c.checked_out);
  CHECK(c.lines.empty());
  CHECK(c.last_order_id == "o-1");
  CHECK(c.total_minor == 0);

  caught_up(*runner, cs.at(day0_ns, "cart/cart-u1", {added("u1", "p3", 1, 1, 250)}));
  c = cart_of(*cs.store, "u1");
  CHECK_FALSE(c.checked_out);
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].product_id == "p3");
  CHECK(c.total_minor == 250);
  CHECK(c.last_order_id == "o-1");
}

TEST_CASE("a user sees only their own cart; a user without one sees an empty cart") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "cart/cart-u1", {added("u1", "p1", 2, 2, 1999)});
  cs.at(day0_ns, "cart/cart-u2", {added("u2", "p2", 5, 5, 100)});
  auto runner = fold_all<carts_projection>(*cs.store);

  auto c1 = cart_of(*cs.store, "u1");
  auto c2 = cart_of(*cs.store, "u2");
  CHECK(c1.user_id == "u1");
  CHECK(c1.lines.size() == 1);
  CHECK(c1.lines[0].product_id == "p1");
  CHECK(c2.user_id == "u2");
  CHECK(c2.lines.size() == 1);
  CHECK(c2.lines[0].product_id == "p2");

  auto none = cart_of(*cs.store, "u3");
  CHECK(none.id == "cart-u3");
  CHECK(none.user_id == "u3");
  CHECK(none.lines.empty());
  CHECK(none.version == 0);
  auto missing = carts_query(*cs.store, projections::default_prefix<carts_projection>()).get("cart-u3");
  REQUIRE(missing.has_value());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("carts ignore every other stream") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns, "product/p1", {created("p1", "Pen", 3)});
  cs.at(day0_ns, "order/o1", {placed("o1", "u1", {line("p1", 1, 100)})});
  auto runner = fold_all<carts_projection>(*cs.store);
  CHECK(cart_of(*cs.store, "u1").version == 0);
}
