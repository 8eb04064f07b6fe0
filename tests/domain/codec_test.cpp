// The stored format: every event and every state survives encode → bytes → decode, type names
// are the schema's member names, and data from a newer writer is an error, never a crash.
#include <cctype>
#include <set>

#include <capnp/dynamic.h>
#include <capnp/serialize.h>

#include <mercato/domain/codec.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;
namespace schema = mercato::schema;

namespace {

const user_id u{"u-1"};
const product_id p{"p-1"};
const order_id o{"o-1"};
const payment_id pay{"pay-1"};
const checkout_id co{"c-1"};
const cart_id cart{"cart-u-1"};

std::vector<order_line> lines() {
  return {*make_order_line(p, "Mug", quantity{2}, eur(500)),
          *make_order_line(product_id{"p-2"}, "Pen", quantity{1}, eur(150))};
}

/// One instance of every event, every field set to something other than its default.
std::vector<any_event> every_event() {
  return {
      user_registered{u, "Ann@Example.com", "ann@example.com", fake_hash, role::admin, "Ann"},
      user_password_changed{u, fake_hash + "2"},
      user_role_changed{u, role::admin, role::customer, user_id{"root"}},
      email_claimed{"ann@example.com", u},
      email_released{"ann@example.com", u},
      product_created{p, "SKU-1", "Mug", "A mug", "kitchen", eur(1299), {"a.png", "b.png"}, 10},
      product_updated{p, "Big mug", std::nullopt, "home", eur(1499), std::vector<std::string>{}},
      product_updated{p, std::nullopt, "desc", std::nullopt, std::nullopt, std::vector<std::string>{"c.png"}},
      product_deactivated{p},
      product_reactivated{p},
      product_restocked{p, quantity{5}, 15},
      product_stock_reserved{p, o, quantity{3}, 12},
      product_reservation_released{p, o, quantity{3}, cancel_reason::payment_failed, "declined", 15},
      product_reservation_committed{p, o, quantity{3}},
      cart_item_added{cart, u, p, "Mug", quantity{2}, eur(500), quantity{4}},
      cart_item_quantity_changed{cart, p, quantity{7}, quantity{4}},
      cart_item_removed{cart, p},
      cart_cleared{cart},
      cart_checked_out{cart, o, co},
      order_placed{o, u, cart, co, lines(), eur(1150)},
      order_stock_reserved{o},
      order_payment_authorized{o, pay},
      order_confirmed{o},
      order_shipped{o, "TRK-1", "DHL"},
      order_delivered{o},
      order_cancelled{o, cancel_reason::customer_requested, "changed my mind", u},
      order_refunded{o, eur(300), "broken", pay, refund_id{"r-1"}},
      payment_authorization_requested{pay, o, u, eur(1150), "simulated", "visa", "****visa"},
      payment_authorized{pay, o, eur(1150), "auth-1"},
      payment_authorization_failed{pay, o, payment_failure_reason::insufficient_funds, "no money"},
      payment_captured{pay, o, eur(1150), "cap-1"},
      payment_voided{pay, o, "cancelled"},
      payment_refunded{pay, o, eur(300), refund_id{"r-1"}, "ref-1", "broken"},
      notification_emitted{notification_id{"ntf-1"}, u, notification_kind::refund_issued, o, "Refund",
                           "3.00 EUR"},
      checkout_started{co, u, cart, o, pay, lines(), eur(1150), "tok_visa"},
      checkout_order_placed{co, o},
      checkout_stock_reserved{co, p, quantity{2}},
      checkout_stock_reservation_failed{co, p, domain_errc::product_inactive, "inactive"},
      checkout_order_stock_reserved{co, o},
      checkout_payment_authorized{co, pay},
      checkout_payment_failed{co, pay, payment_failure_reason::declined, "declined"},
      checkout_order_payment_authorized{co, o, pay},
      checkout_order_confirmed{co, o},
      checkout_cart_checked_out{co, cart},
      checkout_compensation_started{co, cancel_reason::stock_unavailable, "p-1 sold out"},
      checkout_stock_released{co, p, quantity{2}},
      checkout_payment_voided{co, pay},
      checkout_order_cancelled{co, o, cancel_reason::stock_unavailable},
      checkout_completed{co, checkout_outcome::compensated},
  };
}

/// The set union member's name, capitalised: what the envelope's eventType must be.
std::string member_name(schema::Event::Reader r) {
  KJ_IF_MAYBE (field, capnp::toDynamic(r).which()) {
    std::string name = field->getProto().getName().cStr();
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    return name;
  }
  return "(unknown)";
}

/// Serializes `message` and hands its flat bytes to `f` as a reader.
template <class Root, class F>
void through_bytes(capnp::MessageBuilder& message, F&& f) {
  auto words = capnp::messageToFlatArray(message);
  capnp::FlatArrayMessageReader reader(words.asPtr());
  f(reader.getRoot<Root>());
}

/// The flat bytes of `message` with the root struct's union discriminant set to `value`.
kj::Array<capnp::word> with_discriminant(capnp::MessageBuilder& message, unsigned offset_u16,
                                         std::uint16_t value) {
  auto words = capnp::messageToFlatArray(message);
  // single segment: word 0 is the segment table, word 1 the root pointer, whose struct
  // follows it directly (initRoot allocates it first)
  auto bytes = words.asBytes();
  const std::size_t at = 2 * sizeof(capnp::word) + 2 * offset_u16;
  bytes[at] = static_cast<kj::byte>(value & 0xFF);
  bytes[at + 1] = static_cast<kj::byte>(value >> 8);
  return words;
}

unsigned discriminant_offset(capnp::StructSchema s) {
  return s.getProto().getStruct().getDiscriminantOffset();
}

template <class State>
void state_round_trip(const State& state) {
  capnp::MallocMessageBuilder m;
  auto snap = m.initRoot<schema::Snapshot>();
  snap.setStreamId("s-1");
  snap.setVersion(7);
  encode_state(state, snap);
  CHECK(snap.getStateVersion() == state_version<State>);
  through_bytes<schema::Snapshot>(m, [&](schema::Snapshot::Reader r) {
    auto d = decode_state<State>(r);
    if (!d) FAIL_CHECK(d.error().message);
    REQUIRE(d.has_value());
    CHECK(*d == state);
  });
}

}  // namespace

TEST_CASE("every event survives a round trip through bytes, under its schema name") {
  std::set<std::string> names;
  for (const auto& event : every_event()) {
    CAPTURE(event_type_name(event));
    capnp::MallocMessageBuilder m;
    const auto name = encode_event(event, m);
    CHECK(name == event_type_name(event));
    CHECK(member_name(m.getRoot<schema::Event>().asReader()) == name);
    names.insert(std::string(name));
    through_bytes<schema::Event>(m, [&](schema::Event::Reader r) {
      auto decoded = decode_event(r);
      if (!decoded) FAIL_CHECK(decoded.error().message);
      REQUIRE(decoded.has_value());
      CHECK(*decoded == event);
    });
  }
  // every member of the schema's union but `none` is covered, and nothing else
  CHECK(names.size() == capnp::Schema::from<schema::Event>().getUnionFields().size() - 1);
  CHECK(names.size() == std::variant_size_v<any_event>);
}

TEST_CASE("entity events encode through their own variants") {
  capnp::MallocMessageBuilder m;
  const cart_event e = cart_cleared{cart};
  CHECK(encode_event(e, m) == "CartCleared");
  auto as_cart = decode_event_as<cart_event>(m.getRoot<schema::Event>().asReader());
  REQUIRE(as_cart.has_value());
  CHECK(*as_cart == e);
  auto as_order = decode_event_as<order_event>(m.getRoot<schema::Event>().asReader());
  REQUIRE_FALSE(as_order.has_value());
  CHECK(as_order.error().message.find("CartCleared") != std::string::npos);
}

TEST_CASE("an unset event is an error") {
  capnp::MallocMessageBuilder m;
  m.initRoot<schema::Event>();
  auto d = decode_event(m.getRoot<schema::Event>().asReader());
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().message.find("none") != std::string::npos);
}

TEST_CASE("an event member from a newer writer is a clear error") {
  capnp::MallocMessageBuilder m;
  encode_event(any_event{cart_cleared{cart}}, m);
  auto words = with_discriminant(m, discriminant_offset(capnp::Schema::from<schema::Event>()), 200);
  capnp::FlatArrayMessageReader reader(words.asPtr());
  auto d = decode_event(reader.getRoot<schema::Event>());
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().message.find("unknown Event member 200") != std::string::npos);
}

TEST_CASE("enumerants from a newer writer: generic where one exists, else an error") {
  capnp::MallocMessageBuilder m;
  encode_event(any_event{user_role_changed{u, role::admin, role::admin, u}}, m);
  m.getRoot<schema::Event>().getUserRoleChanged().setRole(static_cast<schema::Role>(77));
  auto role_changed = decode_event_as<user_event>(m.getRoot<schema::Event>().asReader());
  REQUIRE(role_changed.has_value());
  CHECK(std::get<user_role_changed>(*role_changed).new_role == role::customer);

  encode_event(any_event{checkout_stock_reservation_failed{co, p, domain_errc::insufficient_stock, ""}}, m);
  m.getRoot<schema::Event>().getCheckoutStockReservationFailed().setReason(
      static_cast<schema::DomainError>(500));
  auto failed = decode_event(m.getRoot<schema::Event>().asReader());
  REQUIRE(failed.has_value());
  CHECK(std::get<checkout_stock_reservation_failed>(*failed).reason == domain_errc::invalid_request);

  encode_event(any_event{notification_emitted{}}, m);
  m.getRoot<schema::Event>().getNotificationEmitted().setKind(static_cast<schema::NotificationKind>(40));
  auto note = decode_event(m.getRoot<schema::Event>().asReader());
  REQUIRE_FALSE(note.has_value());
  CHECK(note.error().message.find("NotificationKind") != std::string::npos);
}

TEST_CASE("an invalid stored currency is an error") {
  capnp::MallocMessageBuilder m;
  encode_event(any_event{payment_captured{pay, o, eur(1), ""}}, m);
  m.getRoot<schema::Event>().getPaymentCaptured().getAmount().setCurrency("euro");
  auto d = decode_event(m.getRoot<schema::Event>().asReader());
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().message.find("euro") != std::string::npos);
}

TEST_CASE("a malformed message is an error, not a crash") {
  capnp::MallocMessageBuilder m;
  encode_event(any_event{cart_cleared{cart}}, m);
  auto words = capnp::messageToFlatArray(m);
  // the Event struct's only pointer (its union member) now points far outside the message
  auto bytes = words.asBytes();
  const std::size_t pointer_at = 3 * sizeof(capnp::word);  // segment table, root pointer, data word
  const std::uint64_t far_struct = (std::uint64_t{1} << 32) | (std::uint64_t{1000000} << 2);  // 1 data word
  for (std::size_t i = 0; i < 8; ++i) bytes[pointer_at + i] = static_cast<kj::byte>(far_struct >> (8 * i));
  capnp::FlatArrayMessageReader reader(words.asPtr());
  auto d = decode_event(reader.getRoot<schema::Event>());
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().message.find("malformed") != std::string::npos);
}

TEST_CASE("every state survives a snapshot round trip") {
  user_state user;
  user = fold(user,
              std::vector<user_event>{user_registered{u, "A@b.co", "a@b.co", fake_hash, role::customer, "A"},
                                      user_role_changed{u, role::admin, role::customer, u}});
  user.registered_at_ns = 123;
  state_round_trip(user);

  state_round_trip(email_claim_state{"a@b.co", u, true});

  product_state product;
  product = fold(
      product, std::vector<product_event>{product_created{p, "SKU", "Mug", "d", "c", eur(100), {"a.png"}, 10},
                                          product_stock_reserved{p, o, quantity{3}, 7},
                                          product_stock_reserved{p, order_id{"o-2"}, quantity{2}, 5},
                                          product_reservation_committed{p, order_id{"o-2"}, quantity{2}},
                                          product_deactivated{p}});
  state_round_trip(product);

  cart_state c;
  c = fold(c,
           std::vector<cart_event>{cart_item_added{cart, u, p, "Mug", quantity{2}, eur(500), quantity{2}},
                                   cart_checked_out{cart, o, co},
                                   cart_item_added{cart, u, p, "Mug", quantity{1}, eur(500), quantity{1}}});
  state_round_trip(c);
  c.status = cart_status::checked_out;
  state_round_trip(c);

  order_state order;
  order = apply(order, order_event{order_placed{o, u, cart, co, lines(), eur(1150)}}, 10);
  order = apply(order, order_event{order_cancelled{o, cancel_reason::admin_cancelled, "x", u}}, 20);
  state_round_trip(order);

  payment_state payment;
  payment = fold(
      payment, std::vector<payment_event>{
                   payment_authorization_requested{pay, o, u, eur(1150), "sim", "visa", "****visa"},
                   payment_authorized{pay, o, eur(1150), "auth"}, payment_captured{pay, o, eur(1150), "cap"},
                   payment_refunded{pay, o, eur(100), refund_id{"r-1"}, "ref", "why"}});
  state_round_trip(payment);
  payment.failure = payment_failure_reason::provider_timeout;
  state_round_trip(payment);

  checkout_state checkout;
  checkout =
      apply(checkout, checkout_event{checkout_started{co, u, cart, o, pay, lines(), eur(1150), "tok"}}, 5);
  checkout =
      fold(checkout,
           std::vector<checkout_event>{
               checkout_order_placed{co, o}, checkout_stock_reserved{co, p, quantity{2}},
               checkout_stock_reservation_failed{co, product_id{"p-2"}, domain_errc::product_inactive, ""},
               checkout_compensation_started{co, cancel_reason::stock_unavailable, "why"}});
  state_round_trip(checkout);
  checkout.order_stock_reserved = checkout.payment_authorized = checkout.order_payment_authorized = true;
  checkout.order_confirmed = checkout.cart_checked_out = checkout.payment_voided = checkout.order_cancelled =
      true;
  checkout.outcome = checkout_outcome::compensated;
  checkout.step = checkout_step::completed;
  state_round_trip(checkout);
}

TEST_CASE("fresh states survive a snapshot round trip too") {
  state_round_trip(user_state{});
  state_round_trip(email_claim_state{});
  state_round_trip(product_state{});
  state_round_trip(cart_state{});
  state_round_trip(order_state{});
  state_round_trip(payment_state{});
  state_round_trip(checkout_state{});
}

TEST_CASE("a snapshot of another entity, fold version or newer member is refused") {
  capnp::MallocMessageBuilder m;
  auto snap = m.initRoot<schema::Snapshot>();
  encode_state(cart_state{}, snap);
  auto other = decode_state<order_state>(snap.asReader());
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().message.find("cart") != std::string::npos);

  snap.setStateVersion(state_version<cart_state> + 1);
  auto newer_fold = decode_state<cart_state>(snap.asReader());
  REQUIRE_FALSE(newer_fold.has_value());
  CHECK(newer_fold.error().message.find("version") != std::string::npos);

  capnp::MallocMessageBuilder empty;
  auto none = decode_state<cart_state>(empty.initRoot<schema::Snapshot>().asReader());
  REQUIRE_FALSE(none.has_value());

  encode_state(cart_state{}, snap);
  auto words = with_discriminant(m, discriminant_offset(capnp::Schema::from<schema::Snapshot::State>()), 90);
  capnp::FlatArrayMessageReader reader(words.asPtr());
  auto unknown = decode_state<cart_state>(reader.getRoot<schema::Snapshot>());
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message.find("90") != std::string::npos);
}

TEST_CASE("an unknown status in a snapshot drops the snapshot") {
  capnp::MallocMessageBuilder m;
  auto snap = m.initRoot<schema::Snapshot>();
  encode_state(order_state{}, snap);
  snap.getState().getOrder().setStatus(static_cast<schema::OrderStatus>(30));
  auto d = decode_state<order_state>(snap.asReader());
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().message.find("OrderStatus") != std::string::npos);
}

TEST_CASE("refusal codes map to the schema's DomainError one to one, by name") {
  const auto enumerants = capnp::Schema::from<schema::DomainError>().getEnumerants();
  CHECK(enumerants.size() == static_cast<unsigned>(last_domain_errc) + 1);
  for (auto e : enumerants) {
    const auto code = static_cast<domain_errc>(e.getOrdinal());
    CHECK(to_string(code) == e.getProto().getName().cStr());
    CHECK(to_schema(code) == static_cast<schema::DomainError>(e.getOrdinal()));
    CHECK(from_schema(static_cast<schema::DomainError>(e.getOrdinal())) == code);
  }
  CHECK(from_schema(static_cast<schema::DomainError>(1000)) == domain_errc::invalid_request);
}
