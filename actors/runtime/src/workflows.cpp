// Admin and customer workflows that touch several entities after checkout: ship (capture,
// ship, commit stock), cancel (cancel, release stock, void), refund (refund, record).
// Each step carries an idempotency key derived from the order, so repeating a workflow
// after a partial failure completes it without repeating any step.
#include "entity_host.hpp"

namespace mercato::actors {

namespace {

command_error refused_error(domain::domain_errc code, std::string message) {
  return {command_error::kind::refused, {code, std::move(message)}};
}

command_meta step_meta(const domain::order_id& order, std::string_view workflow, std::string_view step,
                       const command_meta& m) {
  return {std::string(workflow) + "/" + order.value() + "/" + std::string(step), m.correlation_id};
}

/// Runs `f` on every line's product with key workflow/order/product, then `then`.
template <class Command>
void for_each_line(runtime* rt, const domain::order_state& o, std::string_view workflow,
                   const command_meta& m, std::function<Command(const domain::order_line&)> make,
                   std::function<void()> then) {
  auto remaining = std::make_shared<std::atomic<std::size_t>>(o.lines.size());
  if (o.lines.empty()) return then();
  for (const auto& line : o.lines) {
    rt->route<product_traits>(stream_of(line.product_id), domain::product_command{make(line)},
                              step_meta(o.order_id, workflow, line.product_id.value(), m),
                              [remaining, then](reply<domain::product_state>) {
                                if (--*remaining == 0) then();
                              });
  }
}

}  // namespace

void engine::ship_order(const domain::order_id& order, std::string tracking, std::string carrier,
                        command_meta m, reply_fn<domain::order_state> done) {
  auto* rt = impl_->rt.get();
  if (rt->stopping) return done(fail(unavailable("the node is stopping")));
  rt->query<order_traits>(
      stream_of(order), [rt, order, tracking, carrier, m, done](reply<domain::order_state> o) {
        if (!o) return done(std::move(o));
        if (!domain::exists(o->state))
          return done(fail(refused_error(domain::domain_errc::order_not_found, "no such order")));
        if (o->state.status == domain::order_status::shipped ||
            o->state.status == domain::order_status::delivered)
          return done(std::move(o));  // already done: a repeat
        if (o->state.status != domain::order_status::confirmed)
          return done(fail(refused_error(domain::domain_errc::invalid_transition,
                                         "only a confirmed order can be shipped; this one is " +
                                             std::string(domain::to_string(o->state.status)))));
        const auto state = o->state;
        rt->route<payment_traits>(
            stream_of(state.payment_id), domain::payment_command{domain::capture_payment{state.total, {}}},
            step_meta(order, "ship", "capture", m),
            [rt, state, tracking, carrier, m, done](reply<domain::payment_state> p) {
              if (!p) return done(fail(p.error()));
              rt->route<order_traits>(stream_of(state.order_id),
                                      domain::order_command{domain::ship_order{tracking, carrier}},
                                      step_meta(state.order_id, "ship", "ship", m),
                                      [rt, state, m, done](reply<domain::order_state> shipped) {
                                        if (!shipped) return done(std::move(shipped));
                                        for_each_line<domain::commit_reservation>(
                                            rt, state, "ship-commit", m,
                                            [&state](const domain::order_line&) {
                                              return domain::commit_reservation{state.order_id};
                                            },
                                            [done, shipped] { done(shipped); });
                                      });
            });
      });
}

void engine::cancel_order(const domain::order_id& order, const domain::user_id& by, bool by_admin,
                          std::string detail, command_meta m, reply_fn<domain::order_state> done) {
  auto* rt = impl_->rt.get();
  if (rt->stopping) return done(fail(unavailable("the node is stopping")));
  rt->query<order_traits>(stream_of(order), [rt, order, by, by_admin, detail, m,
                                             done](reply<domain::order_state> o) {
    if (!o) return done(std::move(o));
    // A customer asking about another user's order learns nothing about it.
    if (!domain::exists(o->state) || (!by_admin && o->state.user_id != by))
      return done(fail(refused_error(domain::domain_errc::order_not_found, "no such order")));
    const domain::cancel_reason reason =
        by_admin ? domain::cancel_reason::admin_cancelled : domain::cancel_reason::customer_requested;
    rt->route<order_traits>(
        stream_of(order), domain::order_command{domain::cancel_order{reason, detail, by}},
        step_meta(order, "cancel", "order", m), [rt, reason, detail, m, done](reply<domain::order_state> c) {
          if (!c) return done(std::move(c));
          const auto state = c->state;
          for_each_line<domain::release_reservation>(
              rt, state, "cancel-release", m,
              [&state, reason, detail](const domain::order_line&) {
                return domain::release_reservation{state.order_id, reason, detail};
              },
              [rt, state, m, done, c] {
                if (state.payment_id.value().empty()) return done(c);
                rt->route<payment_traits>(stream_of(state.payment_id),
                                          domain::payment_command{domain::void_payment{"order cancelled"}},
                                          step_meta(state.order_id, "cancel", "void", m),
                                          [done, c](reply<domain::payment_state>) { done(c); });
              });
        });
  });
}

void engine::refund_order(const domain::order_id& order, std::optional<domain::money> amount,
                          std::string reason, command_meta m, reply_fn<domain::order_state> done) {
  auto* rt = impl_->rt.get();
  if (rt->stopping) return done(fail(unavailable("the node is stopping")));
  rt->query<order_traits>(
      stream_of(order), [rt, order, amount, reason, m, done](reply<domain::order_state> o) {
        if (!o) return done(std::move(o));
        if (!domain::exists(o->state))
          return done(fail(refused_error(domain::domain_errc::order_not_found, "no such order")));
        const auto state = o->state;
        const auto money = amount.value_or(state.total);
        const domain::refund_id refund{"ref-" + order.value() + "-" +
                                       (m.idempotency_key.empty() ? "1" : m.idempotency_key)};
        rt->route<payment_traits>(
            stream_of(state.payment_id),
            domain::payment_command{domain::refund_payment{refund, money, {}, reason}},
            {"refund/" + refund.value() + "/payment", m.correlation_id},
            [rt, state, refund, money, reason, m, done](reply<domain::payment_state> p) {
              if (!p) return done(fail(p.error()));
              rt->route<order_traits>(
                  stream_of(state.order_id),
                  domain::order_command{domain::refund_order{money, reason, state.payment_id, refund}},
                  {"refund/" + refund.value() + "/order", m.correlation_id}, done);
            });
      });
}

}  // namespace mercato::actors
