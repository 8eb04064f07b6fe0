#pragma once
// Private helpers shared by the read models: a compact binary value encoding, order-
// preserving key parts and paged key scans.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/codec/events.types.hpp>
#include <mercato/common/overloaded.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/catalog.hpp>
#include <mercato/projections/projection.hpp>
#include <mercato/projections/query.hpp>

namespace mercato::projections::rm {

using mercato::overloaded;

/// Appends fields to a value: unsigned varints, zig-zag signed varints, length-prefixed
/// strings. The reader must read the same fields in the same order.
class value_writer {
 public:
  value_writer& u64(std::uint64_t v);
  value_writer& i64(std::int64_t v) { return u64((std::uint64_t(v) << 1) ^ std::uint64_t(v >> 63)); }
  value_writer& boolean(bool b) { return u64(b ? 1 : 0); }
  value_writer& str(std::string_view s);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

/// Reads what value_writer wrote; any overrun or malformed varint sets !ok() and returns 0/"".
class value_reader {
 public:
  explicit value_reader(std::string_view in) : in_(in) {}
  std::uint64_t u64();
  std::uint32_t u32();
  std::int64_t i64() {
    const auto u = u64();
    return std::int64_t(u >> 1) ^ -std::int64_t(u & 1);
  }
  bool boolean() { return u64() != 0; }
  std::string str();
  /// True when every read succeeded and all bytes were consumed.
  bool done() const noexcept { return ok_ && in_.empty(); }
  bool ok() const noexcept { return ok_; }

 private:
  std::string_view in_;
  bool ok_ = true;
};

/// Big-endian bytes, so keys sort numerically.
std::string be64(std::uint64_t v);
std::string be32(std::uint32_t v);
/// Big-endian with the sign bit flipped: signed numbers sort numerically.
inline std::string sortable_i64(std::int64_t v) {
  return be64(std::uint64_t(v) ^ (std::uint64_t(1) << 63));
}
/// Big-endian of ~v: larger numbers sort first.
inline std::string inverted_i64(std::int64_t v) {
  return be64(~(std::uint64_t(v) ^ (std::uint64_t(1) << 63)));
}
std::uint64_t read_be64(std::string_view bytes);  // first 8 bytes; 0 when shorter

std::string lower_ascii(std::string_view s);
/// The least key greater than every key starting with `prefix` ("" = no bound when the
/// prefix is all 0xff).
std::string prefix_end_of(std::string_view prefix);

/// Throws projection_error "<model>: undecodable read-model value at <key>".
[[noreturn]] void bad_value(std::string_view model, std::string_view key);

/// A store error for a read-model value a query cannot decode.
es::store_error corrupt(std::string_view model, std::string_view key);
es::store_error invalid(std::string message);
/// invalid_argument for an empty id or one holding a NUL byte (the key separator of
/// per-user ranges), so one user's range can never reach into another's.
std::optional<es::store_error> bad_id(std::string_view what, std::string_view id);

/// Folds one event of a product stream into `current` (created by ProductCreated); false
/// for an event that does not change it. Throws projection_error for an event before
/// ProductCreated. Shared by the catalog and admin models.
bool fold_product(std::optional<catalog_product>& current, const domain::any_event& decoded,
                  const es::recorded_event& event);

/// The decoded value at `key` (relative) of this batch, nullopt when absent; throws
/// projection_error for an undecodable one.
template <class Decode>
auto load_value(batch_writer& out, const std::string& key, std::string_view model, Decode decode_fn)
    -> decltype(decode_fn(std::string_view{})) {
  auto stored = out.get(key);
  if (!stored) return std::nullopt;
  auto v = decode_fn(*stored);
  if (!v) bad_value(model, key);
  return v;
}

/// The decoded value at the full key `key` for a query; nullopt when absent.
template <class Decode>
auto query_value(const es::event_store& store, const std::string& key, std::string_view model,
                 Decode decode_fn) -> es::store_result<decltype(decode_fn(std::string_view{}))> {
  using value = decltype(decode_fn(std::string_view{}));
  auto v = store.load_projection(key);
  if (!v) return fail(v.error());
  if (!*v) return value();
  auto d = decode_fn(**v);
  if (!d) return fail(corrupt(model, key));
  return d;
}

/// Visits [prefix+begin, prefix+end) of the projection CF with keys relative to `prefix`.
es::store_result<mercato::ok_t> scan(
    const es::event_store& store, const std::string& prefix, std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view key, std::string_view value)>& visit);

/// Counts the keys under `range_prefix` (relative) and returns the relative keys of the
/// page `p` in scan order, for lists kept in their display order.
struct key_page {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  std::uint64_t total = 0;
};
es::store_result<key_page> page_of_range(const es::event_store& store, const std::string& prefix,
                                         std::string_view range_prefix, const page_request& p);

}  // namespace mercato::projections::rm
