#pragma once
// The checkout process manager's driver: after every change of a checkout's state it
// performs the one next step (domain::next_step) by sending a command to another entity,
// with an idempotency key derived from the checkout and the step, and records the answer
// as a command on the checkout itself. Because the next step follows from the state alone,
// a checkout reloaded after a crash simply carries on.
#include "entity_host.hpp"

namespace mercato::actors {

namespace detail {

using checkout_host = host<checkout_traits>;

/// Records `record` on checkout `stream` (through its shard, so it reaches whichever actor is live).
inline void record(runtime* rt, const std::string& stream, domain::checkout_command record) {
  rt->route<checkout_traits>(stream, std::move(record), {}, {});
}

inline bool refused(const command_error& e) {
  return e.what == command_error::kind::refused;
}

}  // namespace detail

template <>
inline void after_change<checkout_traits>(host<checkout_traits>* self, runtime* rt) {
  using namespace domain;
  auto& st = self->state;
  if (!st.loaded || st.busy) return;
  const auto& s = st.state;
  const std::string me = st.stream->str();
  if (s.step == checkout_step::completed || (!exists(s) && st.queue.empty())) {
    for (auto& w : st.watchers) {
      if (exists(s))
        w(state_reply(self));
      else
        w(fail(command_error{command_error::kind::refused,
                             {domain_errc::checkout_not_found, "no checkout " + me}}));
    }
    st.watchers.clear();
    return;
  }
  if (!exists(s) || st.step_in_flight || rt->stopping) return;
  const auto next = next_step(s);
  if (next.action == checkout_action::done) return;
  st.step_in_flight = true;
  const command_meta meta{step_key(s, next), {}};
  caf::actor self_handle = caf::actor_cast<caf::actor>(self);
  // Answers that are neither success nor a refusal (storage unavailable) retry the step.
  auto retry = [self_handle](const command_error&) {
    caf::delayed_anon_send(self_handle, std::chrono::milliseconds(200), step_atom::value);
  };
  switch (next.action) {
    case checkout_action::place_order:
      rt->route<order_traits>(stream_of(s.order_id), place_order_for(s), meta,
                              [rt, me, retry](reply<order_state> r) {
                                if (r) return detail::record(rt, me, record_order_placed{});
                                if (detail::refused(r.error()))
                                  return detail::record(rt, me, record_step_failed{r.error().error});
                                retry(r.error());
                              });
      break;
    case checkout_action::reserve_line: {
      const auto product = s.line_progress[next.line].product_id;
      const auto qty = s.line_progress[next.line].quantity;
      rt->route<product_traits>(
          stream_of(product), reserve_line_for(s, next.line), meta,
          [rt, me, retry, product, qty](reply<product_state> r) {
            if (r) return detail::record(rt, me, record_stock_reserved{product, qty});
            if (detail::refused(r.error()))
              return detail::record(
                  rt, me,
                  record_stock_reservation_failed{product, r.error().error.code, r.error().error.message});
            retry(r.error());
          });
      break;
    }
    case checkout_action::mark_order_stock_reserved:
      rt->route<order_traits>(stream_of(s.order_id), mark_order_stock_reserved{}, meta,
                              [rt, me, retry](reply<order_state> r) {
                                if (r) return detail::record(rt, me, record_order_stock_reserved{});
                                if (detail::refused(r.error()))
                                  return detail::record(rt, me, record_step_failed{r.error().error});
                                retry(r.error());
                              });
      break;
    case checkout_action::authorize_payment: {
      authorization_request req{s.payment_id, s.order_id, s.total, s.payment_token};
      authorize_payment cmd{s.payment_id,
                            s.order_id,
                            s.user_id,
                            s.total,
                            s.total,
                            rt->options.provider->name(),
                            "card",
                            mask_token(s.payment_token),
                            provider_approved{}};
      ++rt->in_flight;  // the provider may answer late, from its own thread
      rt->options.provider->authorize(req, [rt, me, retry, cmd, meta,
                                            pid = s.payment_id](provider_answer a) mutable {
        --rt->in_flight;
        if (rt->stopping) return;  // the checkout resumes at the next start
        cmd.answer = std::move(a);
        rt->route<payment_traits>(
            stream_of(pid), std::move(cmd), meta, [rt, me, retry](reply<payment_state> r) {
              if (!r) {
                if (detail::refused(r.error()))
                  return detail::record(rt, me, record_step_failed{r.error().error});
                return retry(r.error());
              }
              if (r->state.status == payment_status::authorized)
                return detail::record(rt, me, record_payment_authorized{});
              detail::record(rt, me, record_payment_failed{r->state.failure_reason, r->state.failure_detail});
            });
      });
      break;
    }
    case checkout_action::mark_order_payment_authorized:
      rt->route<order_traits>(stream_of(s.order_id), mark_order_payment_authorized{s.payment_id}, meta,
                              [rt, me, retry](reply<order_state> r) {
                                if (r) return detail::record(rt, me, record_order_payment_authorized{});
                                if (detail::refused(r.error()))
                                  return detail::record(rt, me, record_step_failed{r.error().error});
                                retry(r.error());
                              });
      break;
    case checkout_action::confirm_order:
      rt->route<order_traits>(stream_of(s.order_id), confirm_order{}, meta,
                              [rt, me, retry](reply<order_state> r) {
                                if (r) return detail::record(rt, me, record_order_confirmed{});
                                if (detail::refused(r.error()))
                                  return detail::record(rt, me, record_step_failed{r.error().error});
                                retry(r.error());
                              });
      break;
    case checkout_action::mark_cart_checked_out:
      rt->route<cart_traits>(
          stream_of(s.cart_id), check_out_cart{s.order_id, s.checkout_id}, meta,
          [rt, me, retry](reply<cart_state> r) {
            if (!r && !detail::refused(r.error())) return retry(r.error());
            detail::record(rt, me, record_cart_checked_out{});  // a refusal must not undo a paid order
          });
      break;
    case checkout_action::release_line: {
      const auto product = s.line_progress[next.line].product_id;
      const auto qty = s.line_progress[next.line].quantity;
      rt->route<product_traits>(stream_of(product), release_line_for(s, next.line), meta,
                                [rt, me, retry, product, qty](reply<product_state> r) {
                                  if (!r && !detail::refused(r.error())) return retry(r.error());
                                  detail::record(rt, me, record_stock_released{product, qty});
                                });
      break;
    }
    case checkout_action::void_payment:
      rt->route<payment_traits>(stream_of(s.payment_id), void_payment{"checkout compensated"}, meta,
                                [rt, me, retry](reply<payment_state> r) {
                                  if (!r && !detail::refused(r.error())) return retry(r.error());
                                  detail::record(rt, me, record_payment_voided{});
                                });
      break;
    case checkout_action::cancel_order:
      rt->route<order_traits>(stream_of(s.order_id), cancel_order_for(s), meta,
                              [rt, me, retry](reply<order_state> r) {
                                if (!r && !detail::refused(r.error())) return retry(r.error());
                                detail::record(rt, me, record_order_cancelled{});
                              });
      break;
    case checkout_action::done:
      break;
  }
}

}  // namespace mercato::actors
