// The orders read model: orders (with status timeline and refunds), payments, and each
// user's order history index.
#include <mercato/projections/json.hpp>
#include <mercato/projections/orders.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

namespace {

constexpr std::string_view model = "orders";
constexpr std::string_view order_stream_prefix = "order/";
constexpr std::string_view payment_stream_prefix = "payment/";
constexpr std::string_view order_key = "o/";
constexpr std::string_view history_key = "u/";
constexpr std::string_view payment_key = "p/";
constexpr std::string_view order_payments_key = "q/";

std::string history_user_range(std::string_view user) {
  return std::string(history_key) + std::string(user) + '\0';
}
std::string order_payments_range(std::string_view order) {
  return std::string(order_payments_key) + std::string(order) + '\0';
}

std::string encode_order(const order_view& o) {
  value_writer w;
  w.str(o.id).str(o.user_id).str(o.cart_id).str(o.checkout_id).u64(std::uint64_t(o.status));
  w.u64(o.lines.size());
  for (const auto& l : o.lines)
    w.str(l.product_id).str(l.name).u64(l.quantity).i64(l.unit_price_minor).i64(l.line_total_minor);
  w.i64(o.total_minor).str(o.currency).u64(o.item_count).i64(o.refunded_minor).str(o.payment_id);
  w.str(o.tracking).str(o.carrier).i64(o.shipped_ns).i64(o.delivered_ns);
  w.u64(std::uint64_t(o.cancel_reason)).str(o.cancel_detail).str(o.cancelled_by);
  w.u64(o.timeline.size());
  for (const auto& t : o.timeline) w.u64(std::uint64_t(t.status)).i64(t.at_ns);
  w.u64(o.refunds.size());
  for (const auto& r : o.refunds)
    w.str(r.refund_id).str(r.payment_id).i64(r.amount_minor).str(r.reason).i64(r.at_ns);
  w.u64(o.version).i64(o.placed_ns).i64(o.updated_ns);
  return w.take();
}

std::optional<order_view> decode_order(std::string_view bytes) {
  value_reader r(bytes);
  order_view o;
  o.id = r.str();
  o.user_id = r.str();
  o.cart_id = r.str();
  o.checkout_id = r.str();
  o.status = domain::order_status(r.u32());
  for (auto n = r.u64(); n > 0 && r.ok(); --n) {
    order_view_line l;
    l.product_id = r.str();
    l.name = r.str();
    l.quantity = r.u32();
    l.unit_price_minor = r.i64();
    l.line_total_minor = r.i64();
    o.lines.push_back(std::move(l));
  }
  o.total_minor = r.i64();
  o.currency = r.str();
  o.item_count = r.u32();
  o.refunded_minor = r.i64();
  o.payment_id = r.str();
  o.tracking = r.str();
  o.carrier = r.str();
  o.shipped_ns = r.i64();
  o.delivered_ns = r.i64();
  o.cancel_reason = domain::cancel_reason(r.u32());
  o.cancel_detail = r.str();
  o.cancelled_by = r.str();
  for (auto n = r.u64(); n > 0 && r.ok(); --n) {
    order_status_change t;
    t.status = domain::order_status(r.u32());
    t.at_ns = r.i64();
    o.timeline.push_back(t);
  }
  for (auto n = r.u64(); n > 0 && r.ok(); --n) {
    order_refund_view f;
    f.refund_id = r.str();
    f.payment_id = r.str();
    f.amount_minor = r.i64();
    f.reason = r.str();
    f.at_ns = r.i64();
    o.refunds.push_back(std::move(f));
  }
  o.version = r.u64();
  o.placed_ns = r.i64();
  o.updated_ns = r.i64();
  if (!r.done()) return std::nullopt;
  return o;
}

std::string encode_payment(const payment_view& p) {
  value_writer w;
  w.str(p.id).str(p.order_id).str(p.user_id).u64(std::uint64_t(p.status));
  w.i64(p.amount_minor).i64(p.authorized_minor).i64(p.captured_minor).i64(p.refunded_minor).str(p.currency);
  w.str(p.provider).str(p.card_brand).str(p.token_masked).u64(std::uint64_t(p.failure)).str(p.failure_detail);
  w.str(p.void_reason).u64(p.refunds.size());
  for (const auto& r : p.refunds) w.str(r.refund_id).i64(r.amount_minor).str(r.reason).i64(r.at_ns);
  w.u64(p.version).i64(p.created_ns).i64(p.updated_ns);
  return w.take();
}

std::optional<payment_view> decode_payment(std::string_view bytes) {
  value_reader r(bytes);
  payment_view p;
  p.id = r.str();
  p.order_id = r.str();
  p.user_id = r.str();
  p.status = domain::payment_status(r.u32());
  p.amount_minor = r.i64();
  p.authorized_minor = r.i64();
  p.captured_minor = r.i64();
  p.refunded_minor = r.i64();
  p.currency = r.str();
  p.provider = r.str();
  p.card_brand = r.str();
  p.token_masked = r.str();
  p.failure = domain::payment_failure_reason(r.u32());
  p.failure_detail = r.str();
  p.void_reason = r.str();
  for (auto n = r.u64(); n > 0 && r.ok(); --n) {
    payment_refund_view f;
    f.refund_id = r.str();
    f.amount_minor = r.i64();
    f.reason = r.str();
    f.at_ns = r.i64();
    p.refunds.push_back(std::move(f));
  }
  p.version = r.u64();
  p.created_ns = r.i64();
  p.updated_ns = r.i64();
  if (!r.done()) return std::nullopt;
  return p;
}

void apply_order(batch_writer& out, const log_event& event) {
  const auto& decoded = event.decoded(model);
  if (std::holds_alternative<domain::notification_emitted>(decoded)) return;
  const std::string id = event.stream.substr(order_stream_prefix.size());
  const std::string key = std::string(order_key) + id;
  auto current = std::holds_alternative<domain::order_placed>(decoded)  // the first event: nothing to read
                     ? std::optional<order_view>()
                     : load_value(out, key, model, decode_order);
  auto existing = [&]() -> order_view& {
    if (!current) throw projection_error("orders: " + event.stream + ": event before OrderPlaced");
    return *current;
  };
  auto set_status = [&](domain::order_status s) {
    auto& o = existing();
    o.status = s;
    o.timeline.push_back({s, event.timestamp_ns});
  };
  bool relevant = true;
  using st = domain::order_status;
  std::visit(overloaded{
                 [&](const domain::order_placed& e) {
                   order_view o;
                   o.id = id;
                   o.user_id = e.user_id.value();
                   o.cart_id = e.cart_id.value();
                   o.checkout_id = e.checkout_id.value();
                   for (const auto& l : e.lines) {
                     o.lines.push_back({l.product_id.value(), l.name, l.quantity, l.unit_price.minor_units,
                                        l.line_total.minor_units});
                     o.item_count += l.quantity;
                   }
                   o.total_minor = e.total.minor_units;
                   o.currency = std::string(e.total.currency.code());
                   o.placed_ns = event.timestamp_ns;
                   o.timeline.push_back({st::pending, event.timestamp_ns});
                   out.put(history_user_range(o.user_id) + inverted_i64(o.placed_ns) + id, "");
                   current = std::move(o);
                 },
                 [&](const domain::order_stock_reserved&) { set_status(st::stock_reserved); },
                 [&](const domain::order_payment_authorized& e) {
                   set_status(st::payment_authorized);
                   current->payment_id = e.payment_id.value();
                 },
                 [&](const domain::order_confirmed&) { set_status(st::confirmed); },
                 [&](const domain::order_shipped& e) {
                   set_status(st::shipped);
                   current->tracking = e.tracking;
                   current->carrier = e.carrier;
                   current->shipped_ns = event.timestamp_ns;
                 },
                 [&](const domain::order_delivered&) {
                   set_status(st::delivered);
                   current->delivered_ns = event.timestamp_ns;
                 },
                 [&](const domain::order_cancelled& e) {
                   set_status(st::cancelled);
                   current->cancel_reason = e.reason;
                   current->cancel_detail = e.detail;
                   current->cancelled_by = e.cancelled_by.value();
                 },
                 [&](const domain::order_refunded& e) {
                   set_status(st::refunded);
                   current->refunded_minor += e.amount.minor_units;
                   current->refunds.push_back({e.refund_id.value(), e.payment_id.value(),
                                               e.amount.minor_units, e.reason, event.timestamp_ns});
                 },
                 [&](const auto&) { relevant = false; },
             },
             decoded);
  if (!relevant) return;
  current->version = event.version.value();
  current->updated_ns = event.timestamp_ns;
  out.put(key, encode_order(*current));
}

void apply_payment(batch_writer& out, const log_event& event) {
  const auto& decoded = event.decoded(model);
  if (std::holds_alternative<domain::notification_emitted>(decoded)) return;
  const std::string id = event.stream.substr(payment_stream_prefix.size());
  const std::string key = std::string(payment_key) + id;
  auto current = std::holds_alternative<domain::payment_authorization_requested>(decoded)
                     ? std::optional<payment_view>()
                     : load_value(out, key, model, decode_payment);
  auto existing = [&]() -> payment_view& {
    if (!current)
      throw projection_error("orders: " + event.stream + ": event before PaymentAuthorizationRequested");
    return *current;
  };
  bool relevant = true;
  using ps = domain::payment_status;
  std::visit(
      overloaded{
          [&](const domain::payment_authorization_requested& e) {
            payment_view p;
            p.id = id;
            p.order_id = e.order_id.value();
            p.user_id = e.user_id.value();
            p.amount_minor = e.amount.minor_units;
            p.currency = std::string(e.amount.currency.code());
            p.provider = e.provider;
            p.card_brand = e.card_brand;
            p.token_masked = e.token_masked;
            p.created_ns = event.timestamp_ns;
            out.put(order_payments_range(p.order_id) + id, "");
            current = std::move(p);
          },
          [&](const domain::payment_authorized& e) {
            auto& p = existing();
            p.status = ps::authorized;
            p.authorized_minor = e.amount.minor_units;
          },
          [&](const domain::payment_authorization_failed& e) {
            auto& p = existing();
            p.status = ps::authorization_failed;
            p.failure = e.reason;
            p.failure_detail = e.detail;
          },
          [&](const domain::payment_captured& e) {
            auto& p = existing();
            p.status = ps::captured;
            p.captured_minor = e.amount.minor_units;
          },
          [&](const domain::payment_voided& e) {
            auto& p = existing();
            p.status = ps::voided;
            p.void_reason = e.reason;
          },
          [&](const domain::payment_refunded& e) {
            auto& p = existing();
            p.refunded_minor += e.amount.minor_units;
            p.refunds.push_back({e.refund_id.value(), e.amount.minor_units, e.reason, event.timestamp_ns});
            p.status = p.refunded_minor >= p.captured_minor ? ps::refunded : ps::partially_refunded;
          },
          [&](const auto&) { relevant = false; },
      },
      decoded);
  if (!relevant) return;
  current->version = event.version.value();
  current->updated_ns = event.timestamp_ns;
  out.put(key, encode_payment(*current));
}

}  // namespace

bool orders_projection::wants_decoded(const es::recorded_event& event) const {
  return event.type != domain::notification_emitted::type_name &&
         (event.stream.starts_with(order_stream_prefix) || event.stream.starts_with(payment_stream_prefix));
}

void orders_projection::apply(batch_writer& out, const log_event& event) {
  if (event.type == domain::notification_emitted::type_name) return;
  if (event.stream.starts_with(order_stream_prefix))
    apply_order(out, event);
  else if (event.stream.starts_with(payment_stream_prefix))
    apply_payment(out, event);
}

orders_query::orders_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

es::store_result<page<order_view>> orders_query::history(std::string_view user_id,
                                                         const page_request& p) const {
  if (auto bad = bad_id("user id", user_id)) return fail(*bad);
  auto keys = page_of_range(store_, prefix_, history_user_range(user_id), p);
  if (!keys) return fail(keys.error());
  page<order_view> out{{}, keys->total, p.page, p.size};
  const auto range_size = history_user_range(user_id).size() + 8;
  for (const auto& k : keys->keys) {
    const auto id = k.substr(range_size);
    auto o = query_value(store_, prefix_ + std::string(order_key) + id, model, decode_order);
    if (!o) return fail(o.error());
    if (!*o) return fail(corrupt(model, "history entry of missing order " + id));
    out.items.push_back(std::move(**o));
  }
  return out;
}

es::store_result<std::optional<order_view>> orders_query::get(std::string_view order_id) const {
  auto o = query_value(store_, prefix_ + std::string(order_key) + std::string(order_id), model, decode_order);
  if (!o || !*o) return o;
  std::vector<std::string> payment_ids;
  const auto range = order_payments_range(order_id);
  auto scanned =
      scan(store_, prefix_, range, prefix_end_of(range), [&](std::string_view key, std::string_view) {
        payment_ids.emplace_back(key.substr(range.size()));
        return true;
      });
  if (!scanned) return fail(scanned.error());
  for (const auto& id : payment_ids) {
    auto p = payment(id);
    if (!p) return fail(p.error());
    if (*p) (*o)->payments.push_back(std::move(**p));
  }
  return o;
}

es::store_result<std::optional<payment_view>> orders_query::payment(std::string_view payment_id) const {
  return query_value(store_, prefix_ + std::string(payment_key) + std::string(payment_id), model,
                     decode_payment);
}

std::string orders_projection::describe(std::string_view key, std::string_view value) const {
  if (key.starts_with(order_key)) {
    const auto o = decode_order(value);
    return o ? json_text(order_json(*o)) : std::string();
  }
  if (key.starts_with(payment_key)) {
    const auto p = decode_payment(value);
    return p ? json_text(payment_json(*p)) : std::string();
  }
  return "null";  // history and order → payments index keys: the key says it all
}

}  // namespace mercato::projections
