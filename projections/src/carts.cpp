// The carts read model: fold of cart events into what the shopper sees.
#include <algorithm>

#include <mercato/codec/codec.hpp>
#include <mercato/domain/cart.hpp>
#include <mercato/domain/events.hpp>
#include <mercato/projections/carts.hpp>
#include <mercato/projections/json.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

namespace {

constexpr std::string_view model = "carts";
constexpr std::string_view cart_stream_prefix = "cart/";
constexpr std::string_view cart_key = "c/";

}  // namespace

cart_view view_of(const domain::cart_state& s, std::uint64_t version) {
  cart_view c;
  c.id = s.cart_id.value();
  c.user_id = s.user_id.value();
  for (const auto& l : s.lines) {
    const auto total = l.unit_price.minor_units * static_cast<std::int64_t>(l.quantity);
    c.lines.push_back({l.product_id.value(), l.product_name, l.unit_price.minor_units, l.quantity, total});
    c.total_minor += total;
    c.item_count += l.quantity;
    c.currency = std::string(l.unit_price.currency.code());
  }
  c.version = version;
  c.checked_out = s.status == domain::cart_status::checked_out;
  c.last_order_id = s.last_order_id.value();
  c.updated_ns = s.updated_at_ns;
  return c;
}

std::string encode_cart(const domain::cart_state& s, std::uint64_t version) {
  return be64(version) + codec::encode_value(s);
}

namespace {

std::optional<std::pair<domain::cart_state, std::uint64_t>> decode_record(std::string_view bytes) {
  if (bytes.size() < 8) return std::nullopt;
  auto s = codec::decode_value<domain::cart_state>(bytes.substr(8));
  if (!s) return std::nullopt;
  return std::pair{std::move(*s), read_be64(bytes)};
}

}  // namespace

std::optional<cart_view> decode_cart(std::string_view bytes) {
  auto r = decode_record(bytes);
  if (!r) return std::nullopt;
  return view_of(r->first, r->second);
}

bool carts_projection::wants_decoded(const es::recorded_event& event) const {
  return event.stream.starts_with(cart_stream_prefix);
}

void carts_projection::apply(batch_writer& out, const log_event& event) {
  if (!wants_decoded(event)) return;
  auto cart_event = domain::as_entity_event<domain::cart_event>(event.decoded(model));
  if (!cart_event) return;
  const std::string key = std::string(cart_key) + event.stream.substr(cart_stream_prefix.size());
  auto stored = load_value(out, key, model, decode_record);
  auto state = domain::apply(stored ? std::move(stored->first) : domain::cart_state{}, *cart_event,
                             event.timestamp_ns);
  out.put(key, encode_cart(state, event.version.value()));
}

carts_query::carts_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

es::store_result<std::optional<cart_view>> carts_query::get(std::string_view cart_id) const {
  return query_value(store_, prefix_ + std::string(cart_key) + std::string(cart_id), model, decode_cart);
}

es::store_result<cart_view> carts_query::for_user(std::string_view user_id) const {
  const auto id = domain::cart_id_for(domain::user_id{std::string(user_id)}).value();
  auto c = get(id);
  if (!c) return fail(c.error());
  if (*c) return std::move(**c);
  cart_view empty;
  empty.id = id;
  empty.user_id = std::string(user_id);
  return empty;
}

std::string carts_projection::describe(std::string_view key, std::string_view value) const {
  if (!key.starts_with(cart_key)) return {};
  const auto c = decode_cart(value);
  return c ? cart_json(*c) : std::string();
}

}  // namespace mercato::projections
