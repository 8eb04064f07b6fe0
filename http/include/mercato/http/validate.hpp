#pragma once
// Declarative request validation, free of any HTTP library so it can be fuzzed.
//
// Bodies: a body_schema lists the named fields of a JSON object with their type and
// bounds. parse() refuses, in this order:
//   * text that is not one JSON value, nests deeper than 32, or repeats a key in one
//     object                                   -> 400 malformed-json
//   * a top level that is not an object        -> 422 validation-failed (field "")
//   * unknown fields, missing required fields, wrong types (a float or a string where an
//     integer belongs, a number out of range, a too long / short string, control
//     characters)                              -> 422 validation-failed, one field_error
//     per violation (all of them, not just the first).
// An empty body (or only whitespace) is taken as `{}`.
//
// Queries: a query_schema does the same for already-decoded query parameters (400
// invalid-query), and decode_query() turns a raw `a=1&b=x%20y` into such parameters.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <mercato/common/result.hpp>
#include <mercato/http/problem.hpp>

namespace mercato::http {

/// What a string must look like beyond its length.
enum class text_format {
  any,         ///< any text without control characters (newlines only if allowed)
  email,       ///< local@domain.tld, no spaces, at most 254 characters; compare case-insensitively
  identifier,  ///< 1..64 of [A-Za-z0-9._-] (ids, tokens, slugs)
  currency,    ///< three upper-case letters (ISO 4217 form: EUR, USD)
  url,         ///< http:// or https:// followed by a host, no spaces
};

struct string_rule {
  std::size_t min_length = 1;    ///< in Unicode code points, after trimming
  std::size_t max_length = 200;  ///< in Unicode code points, after trimming
  text_format format = text_format::any;
  bool trim = true;             ///< strip leading/trailing ASCII spaces and tabs first
  bool allow_newlines = false;  ///< allow \n (and \r\n) inside; other control chars never
  /// When non-empty, the (trimmed) value must be one of these, exactly.
  std::vector<std::string> one_of = {};
};

struct integer_rule {
  std::int64_t min = 0;
  std::int64_t max = INT32_MAX;
};

struct string_list_rule {
  string_rule item;
  std::size_t max_items = 20;
  std::size_t min_items = 0;
};

enum class presence { required, optional };

/// The validated values of one body, by field name. Accessors for a field the schema does
/// not declare, or with another type, are bugs (they assert); an optional field that was
/// absent (or `null`) reads as nullopt / has() == false.
class validated {
 public:
  using value = std::variant<std::string, std::int64_t, bool, std::vector<std::string>>;

  bool has(std::string_view name) const;
  /// Required string (trimmed as the rule says).
  const std::string& text(std::string_view name) const;
  std::optional<std::string> optional_text(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  std::optional<std::int64_t> optional_integer(std::string_view name) const;
  bool boolean(std::string_view name) const;
  std::optional<bool> optional_boolean(std::string_view name) const;
  const std::vector<std::string>& texts(std::string_view name) const;  ///< absent -> empty

  void set(std::string name, value v);  ///< used by the schemas

 private:
  const value* find(std::string_view name) const;
  std::map<std::string, value, std::less<>> values_;
};

/// A JSON object's fields. Build once (e.g. a static const in the route file) and use
/// from any thread: parse() is const and keeps no state.
///   static const auto schema = body_schema{}
///       .string("productId", {.format = text_format::identifier})
///       .integer("quantity", {.min = 1, .max = 99});
class body_schema {
 public:
  body_schema& string(std::string name, string_rule rule = {}, presence p = presence::required);
  body_schema& integer(std::string name, integer_rule rule, presence p = presence::required);
  body_schema& boolean(std::string name, presence p = presence::required);
  body_schema& string_list(std::string name, string_list_rule rule, presence p = presence::optional);

  /// Validates `body` (the raw request body). Errors as described at the top of the file.
  result<validated, problem> parse(std::string_view body) const;

  /// The declared field names, in declaration order (OpenAPI checks, docs).
  std::vector<std::string> field_names() const;

 private:
  struct field;
  std::vector<field> fields_;

 public:
  body_schema();
  ~body_schema();
  body_schema(const body_schema&);
  body_schema& operator=(const body_schema&);
  body_schema(body_schema&&) noexcept;
  body_schema& operator=(body_schema&&) noexcept;
};

/// Decoded query parameters in the order given (name, value).
using query_params = std::vector<std::pair<std::string, std::string>>;

/// Splits and percent-decodes a raw query string (without the leading '?'): `+` is a
/// space; a bad escape (`%zz`, `%4`) or a decoded NUL is refused with 400 invalid-query.
result<query_params, problem> decode_query(std::string_view raw);

/// Paging every list route shares: `page` (1-based) and `pageSize`.
struct page_request {
  std::uint32_t page = 1;
  std::uint32_t page_size = 20;
  std::uint64_t offset() const noexcept { return std::uint64_t{page - 1} * page_size; }
};
struct page_rule {
  std::uint32_t default_size = 20;
  std::uint32_t max_size = 100;
  std::uint32_t max_page = 1000000;
};

/// Query parameters: every parameter must be declared (unknown ones are refused, as are
/// repeats of one name), each one optional.
///   static const auto q = query_schema{}.paging().text("q", {.min_length = 1, .max_length = 100})
///       .integer("minPrice", {.min = 0, .max = INT64_MAX / 2}).one_of("sort", {"price", "-price", "name"});
class query_schema {
 public:
  /// Declares `page` and `pageSize` (read them back with page()).
  query_schema& paging(page_rule rule = {});
  query_schema& text(std::string name, string_rule rule = {});
  query_schema& integer(std::string name, integer_rule rule);
  query_schema& one_of(std::string name, std::vector<std::string> allowed);
  /// `true` / `false`.
  query_schema& boolean(std::string name);

  struct parsed {
    validated values;   ///< optional_text / optional_integer / optional_boolean by name
    page_request page;  ///< defaults when paging() was declared and nothing given
  };
  /// All violations in one 400 invalid-query problem.
  result<parsed, problem> parse(const query_params& params) const;

 private:
  struct param;
  std::vector<param> params_;
  std::optional<page_rule> paging_;

 public:
  query_schema();
  ~query_schema();
  query_schema(const query_schema&);
  query_schema& operator=(const query_schema&);
  query_schema(query_schema&&) noexcept;
  query_schema& operator=(query_schema&&) noexcept;
};

/// A path segment used as an entity id: 1..64 of [A-Za-z0-9._-]. Routes answer 404 (not
/// 400) for anything else, as for an id that does not exist.
bool valid_path_id(std::string_view id) noexcept;

/// True when a Content-Type value is JSON: `application/json` (any case) with optional
/// parameters such as `; charset=utf-8` (only utf-8 accepted). Routes answer 415 otherwise.
bool is_json_content_type(std::string_view content_type) noexcept;

}  // namespace mercato::http
