#pragma once
// Small text helpers shared by the http_core sources (not installed, not public).
#include <optional>
#include <string>
#include <string_view>

#include <mercato/http/validate.hpp>

namespace mercato::http::detail {

/// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool utf8_valid(std::string_view s) noexcept;
/// Code points of valid UTF-8 (continuation bytes not counted).
std::size_t utf8_length(std::string_view s) noexcept;
/// Without leading/trailing ASCII spaces and tabs.
std::string_view trim_blanks(std::string_view s) noexcept;
/// C0 controls (except \n, and \r before \n, when allowed), DEL, C1 controls (U+0080..U+009F).
bool has_control_chars(std::string_view s, bool allow_newlines) noexcept;
bool looks_like_email(std::string_view s) noexcept;
bool looks_like_http_url(std::string_view s) noexcept;
bool iequals(std::string_view a, std::string_view b) noexcept;
/// A client-supplied name made safe to echo in a problem: at most 64 bytes, cut on a
/// UTF-8 boundary, control characters replaced by '?'.
std::string printable_name(std::string_view name);
/// %XX and '+' decoding; nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view s);
/// The problem with a string under `rule`, or "" (trimming `value` when the rule says so).
std::string check_text(std::string& value, const string_rule& rule);

}  // namespace mercato::http::detail
