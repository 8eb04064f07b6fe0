// Money, currencies, ids and refusal codes: the vocabulary every rule is written in.
#include <limits>
#include <type_traits>

#include <mercato/domain/types.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;

TEST_CASE("currency codes are upper-case ISO 4217 codes") {
  CHECK(make_currency("EUR").has_value());
  CHECK(make_currency("JPY").has_value());
  CHECK(make_currency("XXX").has_value());
  CHECK(make_currency("EUR")->code() == "EUR");
  CHECK(currency_code::parse("EUR").has_value());
  for (const char* bad : {"eur", "EU", "EURO", "", "ABC", "E1R", "ZZZ"}) {
    CAPTURE(bad);
    auto c = make_currency(bad);
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code == domain_errc::invalid_price);
    CHECK_FALSE(currency_code::parse(bad).has_value());
  }
}

TEST_CASE("a default currency is 'no currency'") {
  currency_code none;
  CHECK_FALSE(none.valid());
  CHECK(none.code().empty());
  CHECK(money{}.currency == none);
  CHECK(make_money(100, "US").error().code == domain_errc::invalid_price);
}

TEST_CASE("adding and subtracting money of one currency") {
  CHECK(*add(eur(150), eur(250)) == eur(400));
  CHECK(*subtract(eur(150), eur(250)) == eur(-100));
  CHECK(*add(eur(0), eur(0)) == money::zero(eur(0).currency));
}

TEST_CASE("mixing currencies is refused, not converted") {
  CHECK(add(eur(1), usd(1)).error().code == domain_errc::currency_mismatch);
  CHECK(subtract(eur(1), usd(1)).error().code == domain_errc::currency_mismatch);
  CHECK(compare(eur(1), usd(1)).error().code == domain_errc::currency_mismatch);
}

TEST_CASE("overflow is a refusal, never undefined behaviour") {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  CHECK(add(eur(max), eur(1)).error().code == domain_errc::invalid_request);
  CHECK(subtract(eur(min), eur(1)).error().code == domain_errc::invalid_request);
  CHECK(multiply(eur(max / 2 + 1), 2).error().code == domain_errc::invalid_request);
  CHECK(multiply(eur(max), std::numeric_limits<std::uint32_t>::max()).error().code ==
        domain_errc::invalid_request);
  CHECK(*multiply(eur(max), 1) == eur(max));
  CHECK(*add(eur(max - 1), eur(1)) == eur(max));
}

TEST_CASE("multiplying by a count") {
  CHECK(*multiply(eur(1999), 3) == eur(5997));
  CHECK(*multiply(eur(1999), 0) == eur(0));
}

TEST_CASE("comparing amounts") {
  CHECK(*compare(eur(1), eur(2)) == std::strong_ordering::less);
  CHECK(*compare(eur(2), eur(2)) == std::strong_ordering::equal);
  CHECK(*compare(eur(3), eur(2)) == std::strong_ordering::greater);
}

TEST_CASE("formatting follows the currency's minor unit") {
  CHECK(format(eur(1234)) == "12.34 EUR");
  CHECK(format(eur(5)) == "0.05 EUR");
  CHECK(format(usd(-5)) == "-0.05 USD");
  CHECK(format(amount(1200, "JPY")) == "1200 JPY");
  CHECK(format(amount(1234, "KWD")) == "1.234 KWD");
  CHECK(format(eur(std::numeric_limits<std::int64_t>::min())) == "-92233720368547758.08 EUR");
  CHECK(format(money{}) == "0.00 ???");
  CHECK(minor_unit_digits(amount(0, "JPY").currency) == 0);
  CHECK(minor_unit_digits(amount(0, "BHD").currency) == 3);
  CHECK(minor_unit_digits(amount(0, "EUR").currency) == 2);
}

TEST_CASE("ids are distinct types; the cart id is derived from the user id") {
  static_assert(!std::is_convertible_v<user_id, product_id>);
  static_assert(!std::is_convertible_v<order_id, payment_id>);
  static_assert(!std::is_convertible_v<std::string, cart_id>);
  static_assert(!std::is_same_v<checkout_id, notification_id>);
  CHECK(cart_id_for(user_id{"u-1"}) == cart_id_for(user_id{"u-1"}));
  CHECK(cart_id_for(user_id{"u-1"}) != cart_id_for(user_id{"u-2"}));
  CHECK(cart_id_for(user_id{"u-1"}).value() == "cart-u-1");
}

TEST_CASE("refusal codes have stable names") {
  CHECK(wire_name(domain_errc::none) == "none");
  CHECK(wire_name(domain_errc::insufficient_stock) == "insufficientStock");
  CHECK(wire_name(domain_errc::not_found) == "notFound");
  CHECK(wire_name(static_cast<domain_errc>(999)) == "unknown");
  CHECK(to_string(domain_errc::insufficient_stock) == "insufficient_stock");
  CHECK(to_string(static_cast<domain_errc>(999)) == "unknown");
  CHECK(to_string(order_status::payment_authorized) == "payment_authorized");
  CHECK(to_string(role::admin) == "admin");
  CHECK_FALSE(is_valid(static_cast<role>(7)));
}
