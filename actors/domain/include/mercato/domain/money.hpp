#pragma once
// The rules of money (the value type itself, `money` and `currency_code`, is vocabulary:
// codec/include/mercato/codec/vocabulary.hpp). Arithmetic is checked: a currency mismatch
// or an int64 overflow is a refusal, never undefined behaviour.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include <mercato/codec/vocabulary.hpp>
#include <mercato/common/result.hpp>
#include <mercato/domain/error.hpp>

namespace mercato::domain {

/// The code, when `code` is an upper-case ISO 4217 code; otherwise `invalid_price`.
mercato::result<currency_code, domain_error> make_currency(std::string_view code);

/// Digits after the decimal point of the currency's minor unit (2 for EUR, 0 for JPY, 3
/// for KWD); 2 for codes without one (metals, testing codes).
int minor_unit_digits(currency_code c) noexcept;

/// Builds money from a stored/parsed amount; `invalid_price` when the code is not ISO 4217.
/// The sign is not checked here: prices check `minor_units >= 0` where the rule applies.
mercato::result<money, domain_error> make_money(std::int64_t minor_units, std::string_view currency);

/// a + b. Refusals: `currency_mismatch`, `invalid_request` on overflow.
mercato::result<money, domain_error> add(const money& a, const money& b);
/// a - b. Refusals as for add.
mercato::result<money, domain_error> subtract(const money& a, const money& b);
/// a × factor. Refusal: `invalid_request` on overflow.
mercato::result<money, domain_error> multiply(const money& a, std::uint32_t factor);
/// Orders two amounts of one currency. Refusal: `currency_mismatch`.
mercato::result<std::strong_ordering, domain_error> compare(const money& a, const money& b);

/// "12.34 EUR", "-0.05 USD", "1200 JPY": for people (notifications, messages).
std::string format(const money& m);

}  // namespace mercato::domain
