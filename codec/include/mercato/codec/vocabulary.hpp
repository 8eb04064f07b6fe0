#pragma once
// The hand-written vocabulary the generated types are made of (schemas/mercato.capnp):
// strong ids ($id("cart") → cart_id) and money ($cxxType("money")). Data only: the rules
// about them (checked arithmetic, refusals) live in actors/domain.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <mercato/common/strong.hpp>

namespace mercato::domain {

// Ids are text (they name streams); one type per kind of entity, so one cannot stand in
// for another. A schema field marked $id("<kind>") has the type <kind>_id.
using user_id = mercato::strong<std::string, struct user_id_tag>;
using product_id = mercato::strong<std::string, struct product_id_tag>;
using cart_id = mercato::strong<std::string, struct cart_id_tag>;
using order_id = mercato::strong<std::string, struct order_id_tag>;
using payment_id = mercato::strong<std::string, struct payment_id_tag>;
using checkout_id = mercato::strong<std::string, struct checkout_id_tag>;
using notification_id = mercato::strong<std::string, struct notification_id_tag>;
using refund_id = mercato::strong<std::string, struct refund_id_tag>;

/// An active ISO 4217 alphabetic code ("EUR"), or "no currency" when default-constructed
/// (what an unset stored field reads as; `valid()` is false and no price may carry it).
class currency_code {
 public:
  constexpr currency_code() = default;
  /// The code, when `code` is an upper-case code of the ISO 4217 list.
  static std::optional<currency_code> parse(std::string_view code) noexcept;
  std::string_view code() const noexcept;
  bool valid() const noexcept { return c_[0] != '\0'; }
  auto operator<=>(const currency_code&) const = default;

 private:
  std::array<char, 3> c_{};
};

/// Money: integer minor units of one ISO 4217 currency, never floating point
/// (schemas/common.capnp Money).
struct money {
  std::int64_t minor_units = 0;
  currency_code currency;
  static money zero(currency_code c) { return money{0, c}; }
  bool operator==(const money&) const = default;
};

}  // namespace mercato::domain
