// The stream catalog: every stream's length and times, counts per kind and event type.
// apply() never decodes an event and never reads a stream's value: the stream keys are
// written blindly (the length is the event's version), only the few counters are read.
#include <mercato/projections/json.hpp>
#include <mercato/projections/streams.hpp>

#include "common.hpp"

namespace mercato::projections {

using namespace rm;

namespace {

constexpr std::string_view model = "streams";
constexpr std::string_view stream_key = "s/";
constexpr std::string_view first_key = "f/";  // "f/" + stream → first event's time
constexpr std::string_view kind_key = "k/";
constexpr std::string_view type_key = "e/";

std::string kind_of(std::string_view stream) {
  const auto slash = stream.find('/');
  return slash == std::string_view::npos ? std::string() : std::string(stream.substr(0, slash));
}

std::string encode_last(std::uint64_t length, std::int64_t last_ns, std::string_view type) {
  return value_writer().u64(length).i64(last_ns).str(type).take();
}

std::optional<kind_count> decode_kind(std::string_view bytes) {
  value_reader r(bytes);
  kind_count k;
  k.streams = r.u64();
  k.events = r.u64();
  if (!r.done()) return std::nullopt;
  return k;
}

std::optional<event_type_count> decode_type(std::string_view bytes) {
  value_reader r(bytes);
  event_type_count t;
  t.events = r.u64();
  if (!r.done()) return std::nullopt;
  return t;
}

std::optional<std::int64_t> decode_first(std::string_view bytes) {
  value_reader r(bytes);
  const auto v = r.i64();
  if (!r.done()) return std::nullopt;
  return v;
}

/// Reads one stream's figures given its "s/" value.
es::store_result<stream_info> stream_of(const es::event_store& store, const std::string& prefix,
                                        std::string_view stream, std::string_view value) {
  value_reader r(value);
  stream_info s;
  s.stream = std::string(stream);
  s.kind = kind_of(stream);
  s.length = r.u64();
  s.last_ns = r.i64();
  s.last_type = r.str();
  if (!r.done()) return fail(corrupt(model, std::string(stream_key) + s.stream));
  auto first = query_value(store, prefix + std::string(first_key) + s.stream, model, decode_first);
  if (!first) return fail(first.error());
  s.first_ns = first->value_or(s.last_ns);
  return s;
}

/// Every "k/" or "e/" counter in key order, decoded by `decode_fn`, with its name set.
template <class T, class Decode>
es::store_result<std::vector<T>> counters(const es::event_store& store, const std::string& prefix,
                                          std::string_view range, Decode decode_fn, std::string T::*name) {
  std::vector<T> out;
  std::string bad;
  auto scanned =
      scan(store, prefix, range, prefix_end_of(range), [&](std::string_view key, std::string_view value) {
        auto v = decode_fn(value);
        if (!v) {
          bad = key;
          return false;
        }
        (*v).*name = std::string(key.substr(range.size()));
        out.push_back(std::move(*v));
        return true;
      });
  if (!scanned) return fail(scanned.error());
  if (!bad.empty()) return fail(corrupt(model, bad));
  return out;
}

}  // namespace

void streams_projection::apply(batch_writer& out, const log_event& event) {
  const auto version = event.version.value();
  out.put(std::string(stream_key) + event.stream, encode_last(version, event.timestamp_ns, event.type));
  if (version == 1)
    out.put(std::string(first_key) + event.stream, value_writer().i64(event.timestamp_ns).take());

  const auto kkey = std::string(kind_key) + kind_of(event.stream);
  auto k = load_value(out, kkey, model, decode_kind).value_or(kind_count{});
  if (version == 1) ++k.streams;
  ++k.events;
  out.put(kkey, value_writer().u64(k.streams).u64(k.events).take());

  const auto tkey = std::string(type_key) + event.type;
  auto t = load_value(out, tkey, model, decode_type).value_or(event_type_count{});
  ++t.events;
  out.put(tkey, value_writer().u64(t.events).take());
}

streams_query::streams_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

es::store_result<page<stream_info>> streams_query::streams(std::string_view kind,
                                                           const page_request& p) const {
  if (auto bad = check_page(p)) return fail(invalid(*bad));
  if (kind.ends_with('/')) kind.remove_suffix(1);
  if (kind.find('/') != std::string_view::npos)
    return fail(invalid("a stream kind has no '/': " + std::string(kind)));
  page<stream_info> out{{}, 0, p.page, p.size};
  auto all = kinds();
  if (!all) return fail(all.error());
  for (const auto& k : *all)
    if (kind.empty() || k.kind == kind) out.total += k.streams;

  const std::string range =
      std::string(stream_key) + (kind.empty() ? std::string() : std::string(kind) + "/");
  std::vector<std::pair<std::string, std::string>> rows;
  std::uint64_t index = 0;
  const auto first = p.offset();
  auto scanned =
      scan(store_, prefix_, range, prefix_end_of(range), [&](std::string_view key, std::string_view value) {
        if (index++ < first) return true;
        rows.emplace_back(key.substr(stream_key.size()), value);
        return rows.size() < p.size;
      });
  if (!scanned) return fail(scanned.error());
  for (const auto& [stream, value] : rows) {
    auto s = stream_of(store_, prefix_, stream, value);
    if (!s) return fail(s.error());
    out.items.push_back(std::move(*s));
  }
  return out;
}

es::store_result<std::optional<stream_info>> streams_query::stream(std::string_view stream_id) const {
  const auto key = prefix_ + std::string(stream_key) + std::string(stream_id);
  auto v = store_.load_projection(key);
  if (!v) return fail(v.error());
  if (!*v) return std::optional<stream_info>();
  auto s = stream_of(store_, prefix_, stream_id, **v);
  if (!s) return fail(s.error());
  return std::optional<stream_info>(std::move(*s));
}

es::store_result<std::vector<kind_count>> streams_query::kinds() const {
  return counters<kind_count>(store_, prefix_, kind_key, decode_kind, &kind_count::kind);
}

es::store_result<std::vector<event_type_count>> streams_query::event_types() const {
  return counters<event_type_count>(store_, prefix_, type_key, decode_type, &event_type_count::type);
}

std::string streams_projection::describe(std::string_view key, std::string_view value) const {
  if (key.starts_with(stream_key)) {
    value_reader r(value);
    const auto length = r.u64();
    const auto last_ns = r.i64();
    auto type = r.str();
    if (!r.done()) return {};
    return json_text({{"length", length}, {"lastAt", iso_time(last_ns)}, {"lastType", type}});
  }
  if (key.starts_with(first_key)) {
    const auto first = decode_first(value);
    return first ? json_text({{"firstAt", iso_time(*first)}}) : std::string();
  }
  if (key.starts_with(kind_key)) {
    const auto k = decode_kind(value);
    return k ? json_text({{"streams", k->streams}, {"events", k->events}}) : std::string();
  }
  if (key.starts_with(type_key)) {
    const auto t = decode_type(value);
    return t ? json_text({{"events", t->events}}) : std::string();
  }
  return {};
}

}  // namespace mercato::projections
