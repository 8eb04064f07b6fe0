// Folds one stream up to a version or instant and renders the state as JSON.
#include <capnp/message.h>

#include <mercato/actors/history.hpp>
#include <mercato/codec/capnp_json.hpp>
#include <mercato/codec/snapshots.codec.hpp>
#include <mercato/eventstore/store.hpp>

#include "traits.hpp"

namespace mercato::actors {

namespace {

template <class T>
result<entity_view, std::string> fold_until(const es::event_store& store, const es::stream_id& stream,
                                            const history_point& point) {
  auto head = store.stream_head(stream);
  if (!head) return fail(head.error().message);
  if (head->value() == 0) return fail("stream " + stream.str() + " has no events");
  if (point.version && point.version->value() > head->value())
    return fail("stream " + stream.str() + " has " + std::to_string(head->value()) + " events; version " +
                std::to_string(point.version->value()) + " does not exist yet");
  typename T::state state{};
  entity_view view;
  view.kind = std::string(T::prefix.substr(0, T::prefix.size() - 1));
  bool done = false;
  while (!done) {
    auto page = store.read_stream(stream, es::stream_version{view.version.value() + 1},
                                  es::read_direction::forward, 512);
    if (!page) return fail(page.error().message);
    if (page->empty()) break;
    for (const auto& e : *page) {
      if ((point.version && e.version > *point.version) || (point.at_ns && e.timestamp_ns > *point.at_ns)) {
        done = true;
        break;
      }
      if (auto error = fold_recorded<T>(state, e)) return fail(std::move(*error));
      view.version = e.version;
      view.at_ns = e.timestamp_ns;
    }
  }
  if constexpr (std::is_same_v<typename T::state, domain::user_state>) {
    if (!state.password_hash.empty()) state.password_hash = "(redacted)";
  }
  // The state as a Snapshot message, rendered by reflection: the schema's JSON.
  capnp::MallocMessageBuilder msg;
  codec::write(domain::snapshot{stream.str(), view.version.value(), view.at_ns,
                                domain::state_version<typename T::state>, std::move(state)},
               msg.initRoot<schema::Snapshot>());
  codec::append_capnp_json(view.state_json, capnp::toDynamic(msg.getRoot<schema::Snapshot>().asReader()));
  return view;
}

}  // namespace

result<entity_view, std::string> entity_state_at(const es::event_store& store, const es::stream_id& stream,
                                                 history_point point) {
  const std::string_view id = stream.str();
  auto is = [&](std::string_view prefix) { return id.starts_with(prefix) && id.size() > prefix.size(); };
  if (is(user_traits::prefix)) return fold_until<user_traits>(store, stream, point);
  if (is(email_traits::prefix)) return fold_until<email_traits>(store, stream, point);
  if (is(product_traits::prefix)) return fold_until<product_traits>(store, stream, point);
  if (is(cart_traits::prefix)) return fold_until<cart_traits>(store, stream, point);
  if (is(order_traits::prefix)) return fold_until<order_traits>(store, stream, point);
  if (is(payment_traits::prefix)) return fold_until<payment_traits>(store, stream, point);
  if (is(checkout_traits::prefix)) return fold_until<checkout_traits>(store, stream, point);
  return fail(
      "'" + stream.str() +
      "' is not an entity stream: expected user/, email/, product/, cart/, order/, payment/ or checkout/ "
      "followed by an id");
}

}  // namespace mercato::actors
