// Checked money arithmetic; the minor units of ISO 4217 currencies.
#include <algorithm>
#include <cstdlib>

#include <mercato/domain/money.hpp>

namespace mercato::domain {
namespace {

constexpr std::string_view zero_digit_codes = "BIFCLPDJFGNFISKJPYKMFKRWPYGRWFUGXUYIVNDVUVXAFXOFXPF";
constexpr std::string_view three_digit_codes = "BHDIQDJODKWDLYDOMRTND";
constexpr std::string_view four_digit_codes = "CLFUYW";

bool listed_in(std::string_view list, std::string_view code) {
  for (std::size_t i = 0; i + 3 <= list.size(); i += 3)
    if (list.substr(i, 3) == code) return true;
  return false;
}

domain_error mismatch(const money& a, const money& b) {
  return {domain_errc::currency_mismatch,
          "cannot combine " + std::string(a.currency.code()) + " with " + std::string(b.currency.code())};
}

domain_error overflow(std::string_view what) {
  return {domain_errc::invalid_request, "amount out of range in " + std::string(what)};
}

}  // namespace

mercato::result<currency_code, domain_error> make_currency(std::string_view code) {
  if (auto c = currency_code::parse(code)) return *c;
  return refuse(domain_errc::invalid_price,
                "currency '" + std::string(code) + "' is not an ISO 4217 code like EUR");
}

int minor_unit_digits(currency_code c) noexcept {
  if (listed_in(zero_digit_codes, c.code())) return 0;
  if (listed_in(three_digit_codes, c.code())) return 3;
  if (listed_in(four_digit_codes, c.code())) return 4;
  return 2;
}

mercato::result<money, domain_error> make_money(std::int64_t minor_units, std::string_view currency) {
  auto c = make_currency(currency);
  if (!c) return mercato::fail(c.error());
  return money{minor_units, *c};
}

mercato::result<money, domain_error> add(const money& a, const money& b) {
  if (a.currency != b.currency) return mercato::fail(mismatch(a, b));
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a.minor_units, b.minor_units, &sum)) return mercato::fail(overflow("addition"));
  return money{sum, a.currency};
}

mercato::result<money, domain_error> subtract(const money& a, const money& b) {
  if (a.currency != b.currency) return mercato::fail(mismatch(a, b));
  std::int64_t diff = 0;
  if (__builtin_sub_overflow(a.minor_units, b.minor_units, &diff))
    return mercato::fail(overflow("subtraction"));
  return money{diff, a.currency};
}

mercato::result<money, domain_error> multiply(const money& a, std::uint32_t factor) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a.minor_units, static_cast<std::int64_t>(factor), &product))
    return mercato::fail(overflow("multiplication"));
  return money{product, a.currency};
}

mercato::result<std::strong_ordering, domain_error> compare(const money& a, const money& b) {
  if (a.currency != b.currency) return mercato::fail(mismatch(a, b));
  return a.minor_units <=> b.minor_units;
}

std::string format(const money& m) {
  const int digits = minor_unit_digits(m.currency);
  // Work on the magnitude as unsigned so INT64_MIN is printable too.
  const bool negative = m.minor_units < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(m.minor_units) : static_cast<std::uint64_t>(m.minor_units);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / scale);
  if (digits > 0) {
    std::string frac = std::to_string(magnitude % scale);
    out += "." + std::string(static_cast<std::size_t>(digits) - frac.size(), '0') + frac;
  }
  out += " ";
  out += m.currency.valid() ? m.currency.code() : std::string_view{"???"};
  return out;
}

}  // namespace mercato::domain
