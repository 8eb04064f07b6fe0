#include "text.hpp"

#include <algorithm>

namespace mercato::http::detail {
namespace {

unsigned char byte_at(std::string_view s, std::size_t i) noexcept {
  return static_cast<unsigned char>(s[i]);
}

bool is_continuation(unsigned char b) noexcept {
  return (b & 0xC0U) == 0x80U;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_alnum(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/// A DNS name: dot-separated labels of [A-Za-z0-9-], no label empty or starting/ending
/// with '-', at least two labels, the last one letters only (2+).
bool looks_like_domain(std::string_view d) noexcept {
  if (d.empty() || d.size() > 253) return false;
  std::size_t labels = 0;
  std::string_view last;
  std::size_t start = 0;
  while (start <= d.size()) {
    const std::size_t dot = std::min(d.find('.', start), d.size());
    const std::string_view label = d.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; }))
      return false;
    ++labels;
    last = label;
    start = dot + 1;
  }
  return labels >= 2 && last.size() >= 2 && std::all_of(last.begin(), last.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
         });
}

}  // namespace

bool utf8_valid(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char b = byte_at(s, i);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned int cp = 0;
    if ((b & 0xE0U) == 0xC0U) {
      n = 1;
      cp = b & 0x1FU;
    } else if ((b & 0xF0U) == 0xE0U) {
      n = 2;
      cp = b & 0x0FU;
    } else if ((b & 0xF8U) == 0xF0U) {
      n = 3;
      cp = b & 0x07U;
    } else
      return false;
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const unsigned char c = byte_at(s, i + k);
      if (!is_continuation(c)) return false;
      cp = (cp << 6U) | (c & 0x3FU);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
      return false;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) noexcept {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return !is_continuation(static_cast<unsigned char>(c)); }));
}

std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_control_chars(std::string_view s, bool allow_newlines) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char b = byte_at(s, i);
    if (b == '\n' && allow_newlines) continue;
    if (b == '\r' && allow_newlines && i + 1 < s.size() && s[i + 1] == '\n') continue;
    if (b < 0x20 || b == 0x7F) return true;
    // C1 controls U+0080..U+009F are encoded C2 80..C2 9F.
    if (b == 0xC2 && i + 1 < s.size() && byte_at(s, i + 1) >= 0x80 && byte_at(s, i + 1) <= 0x9F) return true;
  }
  return false;
}

bool looks_like_email(std::string_view s) noexcept {
  if (s.size() > 254) return false;
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const std::string_view local = s.substr(0, at);
  static constexpr std::string_view local_specials = "!#$%&'*+/=?^_`{|}~.-";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  if (!std::all_of(local.begin(), local.end(),
                   [](char c) { return is_alnum(c) || local_specials.find(c) != std::string_view::npos; }))
    return false;
  return looks_like_domain(s.substr(at + 1));
}

bool looks_like_http_url(std::string_view s) noexcept {
  std::string_view rest;
  if (s.starts_with("https://"))
    rest = s.substr(8);
  else if (s.starts_with("http://"))
    rest = s.substr(7);
  else
    return false;
  if (std::any_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b <= 0x20 || b == 0x7F;
      }))
    return false;
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const std::string_view host = authority.substr(0, authority.rfind(':'));
  return !host.empty() && host.find('@') == std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

std::string printable_name(std::string_view name) {
  std::size_t cut = std::min<std::size_t>(name.size(), 64);
  while (cut < name.size() && cut > 0 && is_continuation(byte_at(name, cut))) --cut;
  std::string out(name.substr(0, cut));
  for (char& c : out) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) c = '?';
  }
  if (cut < name.size()) out += "...";
  return out;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const int v = hi * 16 + lo;
      if (v == 0) return std::nullopt;
      out += static_cast<char>(v);
      i += 2;
    } else if (c == '\0') {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace mercato::http::detail
