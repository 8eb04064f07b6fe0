// Notification texts and which events cause them.
#include <mercato/domain/notification.hpp>

#include "util.hpp"

namespace mercato::domain {
namespace {

using notes = std::vector<notification_emitted>;

notes one(const order_state& o, notification_kind kind, const event_origin& origin, std::string subject,
          std::string body) {
  return {notification_emitted{notification_id_for(origin), o.user_id, kind, o.order_id, std::move(subject),
                               std::move(body)}};
}

std::string order_ref(const order_state& o) {
  return "Order " + o.order_id.value();
}

notes shipped(const order_state& o, const order_shipped& e, const event_origin& origin) {
  std::string body = order_ref(o) + " is on its way.";
  if (!e.carrier.empty()) body += " Carrier: " + e.carrier + ".";
  if (!e.tracking.empty()) body += " Tracking: " + e.tracking + ".";
  return one(o, notification_kind::order_shipped, origin, order_ref(o) + " has shipped", body);
}

notes cancelled(const order_state& o, const order_cancelled& e, const event_origin& origin) {
  std::string body = order_ref(o) + " was cancelled (" + std::string(to_string(e.reason)) + ").";
  if (!e.detail.empty()) body += " " + e.detail;
  return one(o, notification_kind::order_cancelled, origin, order_ref(o) + " was cancelled", body);
}

notes refunded(const order_state& o, const order_refunded& e, const event_origin& origin) {
  return one(o, notification_kind::refund_issued, origin, "Refund for " + o.order_id.value(),
             format(e.amount) + " was refunded for order " + o.order_id.value() + ".");
}

}  // namespace

notification_id notification_id_for(const event_origin& origin) {
  return notification_id{"ntf-" + origin.stream_id + "-" + std::to_string(origin.version)};
}

std::vector<notification_emitted> notifications_for(const order_state& o, const order_event& event,
                                                    const event_origin& origin) {
  return std::visit(detail::overloaded{
                        [&](const order_confirmed&) {
                          return one(o, notification_kind::order_confirmed, origin,
                                     order_ref(o) + " is confirmed",
                                     order_ref(o) + " is confirmed. Total: " + format(o.total) + ".");
                        },
                        [&](const order_shipped& e) { return shipped(o, e, origin); },
                        [&](const order_delivered&) {
                          return one(o, notification_kind::order_delivered, origin,
                                     order_ref(o) + " was delivered", order_ref(o) + " was delivered.");
                        },
                        [&](const order_cancelled& e) { return cancelled(o, e, origin); },
                        [&](const order_refunded& e) { return refunded(o, e, origin); },
                        [](const auto&) { return notes{}; },
                    },
                    event);
}

std::vector<notification_emitted> notifications_for(const payment_state& p, const payment_event& event,
                                                    const event_origin& origin) {
  const auto* failed = std::get_if<payment_authorization_failed>(&event);
  if (!failed) return {};
  std::string body = "The payment of " + format(p.amount) + " for order " + p.order_id.value() + " failed (" +
                     std::string(to_string(failed->reason)) + ").";
  if (!failed->detail.empty()) body += " " + failed->detail;
  return {notification_emitted{notification_id_for(origin), p.user_id, notification_kind::payment_failed,
                               p.order_id, "Payment failed for order " + p.order_id.value(), body}};
}

}  // namespace mercato::domain
