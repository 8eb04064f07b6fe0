#pragma once
// Which events tell a user something, and what. Pure: the runtime (or a projection) calls
// notifications_for on each committed order or payment event and appends what it returns.
// The notification id is derived from the causing event's stream and version, so replaying
// the same event yields the same id and a consumer can drop the duplicate.
#include <cstdint>
#include <string>
#include <vector>

#include <mercato/domain/order.hpp>
#include <mercato/domain/payment.hpp>
#include <mercato/domain/types.hpp>

namespace mercato::domain {

/// Where a committed event sits: its stream and version within it.
struct event_origin {
  std::string stream_id;
  std::uint64_t version = 0;
};

/// "ntf-" + stream id + "-" + version: the same for every replay of the same event.
notification_id notification_id_for(const event_origin& origin);

/// The notifications `event` causes, given the order's state *after* applying it: one for
/// OrderConfirmed, OrderShipped, OrderDelivered, OrderCancelled, OrderRefunded (refunds are
/// announced from the order, not the payment, so a refund is announced once); none else.
std::vector<notification_emitted> notifications_for(const order_state& after, const order_event& event,
                                                    const event_origin& origin);

/// One for PaymentAuthorizationFailed (given the payment's state after it); none else.
std::vector<notification_emitted> notifications_for(const payment_state& after, const payment_event& event,
                                                    const event_origin& origin);

}  // namespace mercato::domain
