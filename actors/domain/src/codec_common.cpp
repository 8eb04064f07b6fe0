// Values and enums shared by every encoder: text, money, lines, and the enum mappings, whose
// ordinals are checked against the generated schema code at compile time.
#include <limits>
#include <optional>

#include "codec_detail.hpp"

namespace mercato::domain::codec_detail {
namespace {

template <class A, class B>
constexpr bool same(A a, B b) {
  return static_cast<std::uint16_t>(a) == static_cast<std::uint16_t>(b);
}

static_assert(same(schema::Role::CUSTOMER, role::customer) && same(schema::Role::ADMIN, role::admin));
static_assert(same(schema::CancelReason::UNSPECIFIED, cancel_reason::unspecified) &&
              same(schema::CancelReason::CUSTOMER_REQUESTED, cancel_reason::customer_requested) &&
              same(schema::CancelReason::ADMIN_CANCELLED, cancel_reason::admin_cancelled) &&
              same(schema::CancelReason::STOCK_UNAVAILABLE, cancel_reason::stock_unavailable) &&
              same(schema::CancelReason::PAYMENT_FAILED, cancel_reason::payment_failed) &&
              same(schema::CancelReason::CHECKOUT_FAILED, cancel_reason::checkout_failed));
static_assert(same(schema::PaymentFailureReason::UNSPECIFIED, payment_failure_reason::unspecified) &&
              same(schema::PaymentFailureReason::DECLINED, payment_failure_reason::declined) &&
              same(schema::PaymentFailureReason::INSUFFICIENT_FUNDS,
                   payment_failure_reason::insufficient_funds) &&
              same(schema::PaymentFailureReason::EXPIRED_CARD, payment_failure_reason::expired_card) &&
              same(schema::PaymentFailureReason::INVALID_TOKEN, payment_failure_reason::invalid_token) &&
              same(schema::PaymentFailureReason::AMOUNT_MISMATCH, payment_failure_reason::amount_mismatch) &&
              same(schema::PaymentFailureReason::PROVIDER_ERROR, payment_failure_reason::provider_error) &&
              same(schema::PaymentFailureReason::PROVIDER_TIMEOUT, payment_failure_reason::provider_timeout));
static_assert(same(schema::NotificationKind::ORDER_CONFIRMED, notification_kind::order_confirmed) &&
              same(schema::NotificationKind::ORDER_SHIPPED, notification_kind::order_shipped) &&
              same(schema::NotificationKind::ORDER_DELIVERED, notification_kind::order_delivered) &&
              same(schema::NotificationKind::ORDER_CANCELLED, notification_kind::order_cancelled) &&
              same(schema::NotificationKind::PAYMENT_FAILED, notification_kind::payment_failed) &&
              same(schema::NotificationKind::REFUND_ISSUED, notification_kind::refund_issued));
static_assert(same(schema::CheckoutOutcome::CONFIRMED, checkout_outcome::confirmed) &&
              same(schema::CheckoutOutcome::COMPENSATED, checkout_outcome::compensated));
static_assert(same(schema::OrderStatus::PENDING, order_status::pending) &&
              same(schema::OrderStatus::STOCK_RESERVED, order_status::stock_reserved) &&
              same(schema::OrderStatus::PAYMENT_AUTHORIZED, order_status::payment_authorized) &&
              same(schema::OrderStatus::CONFIRMED, order_status::confirmed) &&
              same(schema::OrderStatus::SHIPPED, order_status::shipped) &&
              same(schema::OrderStatus::DELIVERED, order_status::delivered) &&
              same(schema::OrderStatus::CANCELLED, order_status::cancelled) &&
              same(schema::OrderStatus::REFUNDED, order_status::refunded));
static_assert(same(schema::PaymentStatus::REQUESTED, payment_status::requested) &&
              same(schema::PaymentStatus::AUTHORIZED, payment_status::authorized) &&
              same(schema::PaymentStatus::AUTHORIZATION_FAILED, payment_status::authorization_failed) &&
              same(schema::PaymentStatus::CAPTURED, payment_status::captured) &&
              same(schema::PaymentStatus::VOIDED, payment_status::voided) &&
              same(schema::PaymentStatus::PARTIALLY_REFUNDED, payment_status::partially_refunded) &&
              same(schema::PaymentStatus::REFUNDED, payment_status::refunded));
static_assert(same(schema::CartStatus::OPEN, cart_status::open) &&
              same(schema::CartStatus::CHECKED_OUT, cart_status::checked_out));
static_assert(same(schema::CheckoutStep::PLACING_ORDER, checkout_step::placing_order) &&
              same(schema::CheckoutStep::RESERVING_STOCK, checkout_step::reserving_stock) &&
              same(schema::CheckoutStep::AUTHORIZING_PAYMENT, checkout_step::authorizing_payment) &&
              same(schema::CheckoutStep::CONFIRMING_ORDER, checkout_step::confirming_order) &&
              same(schema::CheckoutStep::COMPENSATING, checkout_step::compensating) &&
              same(schema::CheckoutStep::COMPLETED, checkout_step::completed));
static_assert(same(schema::LineStockState::PENDING, line_stock_state::pending) &&
              same(schema::LineStockState::RESERVED, line_stock_state::reserved) &&
              same(schema::LineStockState::FAILED, line_stock_state::failed) &&
              same(schema::LineStockState::RELEASED, line_stock_state::released));

template <class Wire, class Domain>
Wire wire(Domain v) noexcept {
  return static_cast<Wire>(static_cast<std::uint16_t>(v));
}

/// `v` as a Domain enumerant if it is one of the first `last`+1; nullopt for a newer one.
template <class Domain, class Wire>
std::optional<Domain> known(Wire v, Domain last) noexcept {
  const auto n = static_cast<std::uint16_t>(v);
  if (n > static_cast<std::uint16_t>(last)) return std::nullopt;
  return static_cast<Domain>(n);
}

template <class Domain, class Wire>
Domain known_or_throw(Wire v, Domain last, const char* what) {
  if (auto d = known(v, last)) return *d;
  throw decode_failure(std::string("unknown ") + what + " enumerant " +
                       std::to_string(static_cast<std::uint16_t>(v)));
}

}  // namespace

capnp::Text::Reader text(const std::string& s) {
  return capnp::Text::Reader(s.c_str(), s.size());
}

std::string str(capnp::Text::Reader r) {
  return std::string(r.cStr(), r.size());
}

unsigned count(std::size_t n) {
  if (n > (std::size_t{1} << 29)) throw std::length_error("list too long to store");
  return static_cast<unsigned>(n);
}

void put_money(const money& m, schema::Money::Builder out) {
  out.setMinorUnits(m.minor_units);
  out.setCurrency(text(std::string(m.currency.code())));
}

money get_money(schema::Money::Reader in) {
  money m{in.getMinorUnits(), currency_code{}};
  const auto code = str(in.getCurrency());
  if (code.empty()) return m;  // an unset amount
  auto c = currency_code::make(code);
  if (!c) throw decode_failure("invalid currency '" + code + "'");
  m.currency = *c;
  return m;
}

void put_lines(const std::vector<order_line>& lines, capnp::List<schema::OrderLine>::Builder out) {
  for (unsigned i = 0; i < out.size(); ++i) {
    const auto& l = lines[i];
    auto b = out[i];
    b.setProductId(text(l.product.value()));
    b.setName(text(l.name));
    b.setQuantity(l.qty.value());
    put_money(l.unit_price, b.initUnitPrice());
    put_money(l.line_total, b.initLineTotal());
  }
}

std::vector<order_line> get_lines(capnp::List<schema::OrderLine>::Reader in) {
  std::vector<order_line> out;
  out.reserve(in.size());
  for (auto l : in)
    out.push_back({id_of<product_id>(l.getProductId()), str(l.getName()), quantity{l.getQuantity()},
                   get_money(l.getUnitPrice()), get_money(l.getLineTotal())});
  return out;
}

void put_strings(const std::vector<std::string>& v, capnp::List<capnp::Text>::Builder out) {
  for (unsigned i = 0; i < out.size(); ++i) out.set(i, text(v[i]));
}

std::vector<std::string> get_strings(capnp::List<capnp::Text>::Reader in) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (auto t : in) out.push_back(str(t));
  return out;
}

schema::Role to_wire(role v) noexcept {
  return wire<schema::Role>(v);
}
role from_wire(schema::Role v) noexcept {
  return known(v, role::admin).value_or(role::customer);
}

schema::CancelReason to_wire(cancel_reason v) noexcept {
  return wire<schema::CancelReason>(v);
}
cancel_reason from_wire(schema::CancelReason v) noexcept {
  return known(v, cancel_reason::checkout_failed).value_or(cancel_reason::unspecified);
}

schema::PaymentFailureReason to_wire(payment_failure_reason v) noexcept {
  return wire<schema::PaymentFailureReason>(v);
}
payment_failure_reason from_wire(schema::PaymentFailureReason v) noexcept {
  return known(v, payment_failure_reason::provider_timeout).value_or(payment_failure_reason::unspecified);
}

schema::NotificationKind to_wire(notification_kind v) noexcept {
  return wire<schema::NotificationKind>(v);
}
notification_kind from_wire(schema::NotificationKind v) {
  return known_or_throw(v, notification_kind::refund_issued, "NotificationKind");
}

schema::CheckoutOutcome to_wire(checkout_outcome v) noexcept {
  return wire<schema::CheckoutOutcome>(v);
}
checkout_outcome from_wire(schema::CheckoutOutcome v) {
  return known_or_throw(v, checkout_outcome::compensated, "CheckoutOutcome");
}

schema::OrderStatus to_wire(order_status v) noexcept {
  return wire<schema::OrderStatus>(v);
}
order_status from_wire(schema::OrderStatus v) {
  return known_or_throw(v, last_order_status, "OrderStatus");
}

schema::PaymentStatus to_wire(payment_status v) noexcept {
  return wire<schema::PaymentStatus>(v);
}
payment_status from_wire(schema::PaymentStatus v) {
  return known_or_throw(v, payment_status::refunded, "PaymentStatus");
}

schema::CartStatus to_wire(cart_status v) noexcept {
  return wire<schema::CartStatus>(v);
}
cart_status from_wire(schema::CartStatus v) {
  return known_or_throw(v, cart_status::checked_out, "CartStatus");
}

schema::CheckoutStep to_wire(checkout_step v) noexcept {
  return wire<schema::CheckoutStep>(v);
}
checkout_step from_wire(schema::CheckoutStep v) {
  return known_or_throw(v, checkout_step::completed, "CheckoutStep");
}

schema::LineStockState to_wire(line_stock_state v) noexcept {
  return wire<schema::LineStockState>(v);
}
line_stock_state from_wire(schema::LineStockState v) {
  return known_or_throw(v, line_stock_state::released, "LineStockState");
}

}  // namespace mercato::domain::codec_detail

namespace mercato::domain {

// Every refusal code, ordinal for ordinal (errors.capnp).
static_assert(codec_detail::same(schema::DomainError::NONE, domain_errc::none) &&
              codec_detail::same(schema::DomainError::EMAIL_TAKEN, domain_errc::email_taken) &&
              codec_detail::same(schema::DomainError::INVALID_ROLE, domain_errc::invalid_role) &&
              codec_detail::same(schema::DomainError::PRODUCT_EXISTS, domain_errc::product_exists) &&
              codec_detail::same(schema::DomainError::CURRENCY_MISMATCH, domain_errc::currency_mismatch) &&
              codec_detail::same(schema::DomainError::INVALID_TRANSITION, domain_errc::invalid_transition) &&
              codec_detail::same(schema::DomainError::INVALID_SIGNATURE, domain_errc::invalid_signature) &&
              codec_detail::same(schema::DomainError::CHECKOUT_IN_PROGRESS,
                                 domain_errc::checkout_in_progress) &&
              codec_detail::same(schema::DomainError::INVALID_REQUEST, domain_errc::invalid_request) &&
              codec_detail::same(schema::DomainError::NOT_FOUND, domain_errc::not_found));

schema::DomainError to_schema(domain_errc code) noexcept {
  return codec_detail::wire<schema::DomainError>(code);
}

domain_errc from_schema(schema::DomainError code) noexcept {
  return codec_detail::known(code, last_domain_errc).value_or(domain_errc::invalid_request);
}

}  // namespace mercato::domain
