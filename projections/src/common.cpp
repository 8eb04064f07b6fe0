// Private helpers shared by the read models.
#include "common.hpp"

namespace mercato::projections {

std::optional<std::string> check_page(const page_request& p) {
  if (p.size < 1 || p.size > max_page_size)
    return "page size must be 1.." + std::to_string(max_page_size) + ", got " + std::to_string(p.size);
  return std::nullopt;
}

}  // namespace mercato::projections

namespace mercato::projections::rm {

value_writer& value_writer::u64(std::uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(char(std::uint8_t(v) | 0x80));
    v >>= 7;
  }
  out_.push_back(char(v));
  return *this;
}

value_writer& value_writer::str(std::string_view s) {
  u64(s.size());
  out_.append(s);
  return *this;
}

std::uint64_t value_reader::u64() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) break;
    const auto b = std::uint8_t(in_.front());
    in_.remove_prefix(1);
    v |= std::uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  ok_ = false;
  return 0;
}

std::uint32_t value_reader::u32() {
  const auto v = u64();
  if (v > 0xffffffffu) {
    ok_ = false;
    return 0;
  }
  return std::uint32_t(v);
}

std::string value_reader::str() {
  const auto n = u64();
  if (!ok_ || n > in_.size()) {
    ok_ = false;
    return {};
  }
  std::string s(in_.substr(0, n));
  in_.remove_prefix(n);
  return s;
}

std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[std::size_t(i)] = char(std::uint8_t(v));
  return s;
}

std::string be32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) s[std::size_t(i)] = char(std::uint8_t(v));
  return s;
}

std::uint64_t read_be64(std::string_view bytes) {
  if (bytes.size() < 8) return 0;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | std::uint8_t(bytes[i]);
  return v;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

std::string prefix_end_of(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (std::uint8_t(end.back()) != 0xff) {
      end.back() = char(std::uint8_t(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

void bad_value(std::string_view model, std::string_view key) {
  throw projection_error(std::string(model) + ": undecodable read-model value at " + std::string(key));
}

es::store_error corrupt(std::string_view model, std::string_view key) {
  return es::store_error{es::store_errc::corruption,
                         std::string(model) + ": undecodable read-model value at " + std::string(key)};
}

es::store_error invalid(std::string message) {
  return es::store_error{es::store_errc::invalid_argument, std::move(message)};
}

std::optional<es::store_error> bad_id(std::string_view what, std::string_view id) {
  if (id.empty()) return invalid(std::string(what) + " is empty");
  if (id.find('\0') != std::string_view::npos) return invalid(std::string(what) + " holds a NUL byte");
  return std::nullopt;
}

es::store_result<mercato::ok_t> scan(
    const es::event_store& store, const std::string& prefix, std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) {
  const std::string b = prefix + std::string(begin);
  const std::string e = end.empty() ? prefix_end_of(prefix) : prefix + std::string(end);
  return store.scan_projection(b, e, [&](std::string_view key, std::string_view value) {
    return visit(key.substr(prefix.size()), value);
  });
}

es::store_result<key_page> page_of_range(const es::event_store& store, const std::string& prefix,
                                         std::string_view range_prefix, const page_request& p) {
  if (auto bad = check_page(p)) return fail(invalid(*bad));
  key_page out;
  const auto first = p.offset();
  const auto last = first + p.size;
  auto scanned = scan(store, prefix, range_prefix, prefix_end_of(range_prefix),
                      [&](std::string_view key, std::string_view value) {
                        if (out.total >= first && out.total < last) {
                          out.keys.emplace_back(key);
                          out.values.emplace_back(value);
                        }
                        ++out.total;
                        return true;
                      });
  if (!scanned) return fail(scanned.error());
  return out;
}

}  // namespace mercato::projections::rm
