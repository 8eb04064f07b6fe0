// Which events notify a user, and deterministic notification ids.
#include <mercato/domain/events.hpp>
#include <mercato/domain/notification.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;

namespace {

order_state order() {
  order_state s;
  run(s, place_order{order_id{"o-1"},
                     user_id{"u-1"},
                     cart_id{"cart-u-1"},
                     checkout_id{"c-1"},
                     {*make_order_line(product_id{"p-1"}, "Mug", 2, eur(500))}});
  return s;
}

const event_origin origin{"order-o-1", 4};

}  // namespace

TEST_CASE("notification ids come from the causing event's stream and version") {
  CHECK(notification_id_for(origin) == notification_id{"ntf-order-o-1-4"});
  CHECK(notification_id_for(origin) == notification_id_for(event_origin{"order-o-1", 4}));
  CHECK(notification_id_for(origin) != notification_id_for(event_origin{"order-o-1", 5}));
}

TEST_CASE("order events that notify the order's owner") {
  const auto o = order();
  const std::vector<std::pair<order_event, notification_kind>> cases{
      {order_confirmed{o.order_id}, notification_kind::order_confirmed},
      {order_shipped{o.order_id, "TRK-1", "DHL"}, notification_kind::order_shipped},
      {order_delivered{o.order_id}, notification_kind::order_delivered},
      {order_cancelled{o.order_id, cancel_reason::stock_unavailable, "mug sold out", {}},
       notification_kind::order_cancelled},
      {order_refunded{o.order_id, eur(300), "broken", {}, {}}, notification_kind::refund_issued},
  };
  for (const auto& [event, kind] : cases) {
    CAPTURE(event_type_name(event));
    const auto notes = notifications_for(o, event, origin);
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].kind == kind);
    CHECK(notes[0].user_id == user_id{"u-1"});
    CHECK(notes[0].order_id == o.order_id);
    CHECK(notes[0].notification_id == notification_id{"ntf-order-o-1-4"});
    CHECK_FALSE(notes[0].subject.empty());
    CHECK_FALSE(notes[0].body.empty());
    CHECK(notes == notifications_for(o, event, origin));  // replays give the same
  }
  CHECK(notifications_for(o, order_event{order_shipped{o.order_id, "TRK-1", "DHL"}}, origin)[0].body.find(
            "TRK-1") != std::string::npos);
  CHECK(notifications_for(o, order_event{order_confirmed{o.order_id}}, origin)[0].body.find("10.00 EUR") !=
        std::string::npos);
}

TEST_CASE("other order events notify nobody") {
  const auto o = order();
  CHECK(notifications_for(o, order_event{order_stock_reserved{o.order_id}}, origin).empty());
  CHECK(notifications_for(o, order_event{order_payment_authorized{o.order_id, payment_id{"p"}}}, origin)
            .empty());
}

TEST_CASE("a failed payment notifies its user; other payment events do not") {
  payment_state p;
  run(p, authorize_payment{payment_id{"pay-1"}, order_id{"o-1"}, user_id{"u-1"}, eur(1000), eur(1000),
                           "simulated", "", "",
                           provider_declined{payment_failure_reason::declined, "card declined"}});
  const event_origin at{"payment-pay-1", 2};
  const auto notes =
      notifications_for(p,
                        payment_event{payment_authorization_failed{
                            p.payment_id, p.order_id, payment_failure_reason::declined, "card declined"}},
                        at);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].kind == notification_kind::payment_failed);
  CHECK(notes[0].user_id == user_id{"u-1"});
  CHECK(notes[0].body.find("card declined") != std::string::npos);
  CHECK(notifications_for(p, payment_event{payment_voided{p.payment_id, p.order_id, ""}}, at).empty());
  CHECK(
      notifications_for(p, payment_event{payment_refunded{p.payment_id, p.order_id, eur(1), {}, "", ""}}, at)
          .empty());
}
