#include <mercato/http/validate.hpp>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace mercato::http {

using nlohmann::json;

// ---------------------------------------------------------------- validated

bool validated::has(std::string_view name) const {
  return find(name) != nullptr;
}

const validated::value* validated::find(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

void validated::set(std::string name, value v) {
  values_.insert_or_assign(std::move(name), std::move(v));
}

namespace {

template <class T>
const T& required_value(const validated::value* v) {
  assert(v != nullptr && std::holds_alternative<T>(*v));
  return std::get<T>(*v);
}

template <class T>
std::optional<T> optional_value(const validated::value* v) {
  if (v == nullptr) return std::nullopt;
  assert(std::holds_alternative<T>(*v));
  return std::get<T>(*v);
}

}  // namespace

const std::string& validated::text(std::string_view name) const {
  return required_value<std::string>(find(name));
}
std::optional<std::string> validated::optional_text(std::string_view name) const {
  return optional_value<std::string>(find(name));
}
std::int64_t validated::integer(std::string_view name) const {
  return required_value<std::int64_t>(find(name));
}
std::optional<std::int64_t> validated::optional_integer(std::string_view name) const {
  return optional_value<std::int64_t>(find(name));
}
bool validated::boolean(std::string_view name) const {
  return required_value<bool>(find(name));
}
std::optional<bool> validated::optional_boolean(std::string_view name) const {
  return optional_value<bool>(find(name));
}

const std::vector<std::string>& validated::texts(std::string_view name) const {
  static const std::vector<std::string> none;
  const value* v = find(name);
  if (v == nullptr) return none;
  assert(std::holds_alternative<std::vector<std::string>>(*v));
  return std::get<std::vector<std::string>>(*v);
}

namespace {

constexpr int max_depth = 32;
constexpr std::size_t max_reported_errors = 50;

/// Collects field errors, at most max_reported_errors of them (a body with 10,000 unknown
/// fields must not make a 10,000-entry answer).
class error_list {
 public:
  void add(std::string field, std::string detail) {
    if (errors_.size() < max_reported_errors) {
      errors_.push_back({detail::printable_name(field), std::move(detail)});
    } else {
      truncated_ = true;
    }
  }
  bool empty() const noexcept { return errors_.empty(); }
  std::vector<field_error> take() {
    if (truncated_) errors_.push_back({"", "more violations not listed"});
    return std::move(errors_);
  }

 private:
  std::vector<field_error> errors_;
  bool truncated_ = false;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string range_text(std::int64_t lo, std::int64_t hi) {
  return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
}

}  // namespace

namespace detail {

/// The problem with a string under `rule`, or "" (and `value` trimmed as the rule says).
std::string check_text(std::string& value, const string_rule& rule) {
  if (!utf8_valid(value)) return "must be valid UTF-8";
  if (rule.trim) {
    // Leading/trailing ASCII whitespace, line breaks included.
    const auto first = value.find_first_not_of(" \t\r\n");
    value = first == std::string::npos ? std::string()
                                       : value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
  }
  if (has_control_chars(value, rule.allow_newlines)) {
    return rule.allow_newlines ? "must not contain control characters other than line breaks"
                               : "must not contain control characters or line breaks";
  }
  const std::size_t length = utf8_length(value);
  if (length < rule.min_length) {
    return rule.min_length == 1 ? std::string("must not be empty")
                                : "must be at least " + std::to_string(rule.min_length) + " characters";
  }
  if (length > rule.max_length) return "must be at most " + std::to_string(rule.max_length) + " characters";
  switch (rule.format) {
    case text_format::any:
      break;
    case text_format::email:
      if (!looks_like_email(value)) return "must be an e-mail address (name@example.com)";
      break;
    case text_format::identifier:
      if (!valid_path_id(value)) return "must be 1 to 64 characters of A-Z a-z 0-9 . _ -";
      break;
    case text_format::currency:
      if (value.size() != 3 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return "must be a currency code of three capital letters (EUR)";
      break;
    case text_format::url:
      if (!looks_like_http_url(value)) return "must be an http:// or https:// URL";
      break;
  }
  if (!rule.one_of.empty() && std::find(rule.one_of.begin(), rule.one_of.end(), value) == rule.one_of.end()) {
    return "must be one of: " + join(rule.one_of);
  }
  return "";
}

}  // namespace detail

// ---------------------------------------------------------------- body_schema

struct body_schema::field {
  enum class kind { string, integer, boolean, string_list };
  std::string name;
  kind k = kind::string;
  presence p = presence::required;
  string_rule text;
  integer_rule number;
  string_list_rule list;
};

body_schema::body_schema() = default;
body_schema::~body_schema() = default;
body_schema::body_schema(const body_schema&) = default;
body_schema& body_schema::operator=(const body_schema&) = default;
body_schema::body_schema(body_schema&&) noexcept = default;
body_schema& body_schema::operator=(body_schema&&) noexcept = default;

body_schema& body_schema::string(std::string name, string_rule rule, presence p) {
  field f;
  f.name = std::move(name);
  f.k = field::kind::string;
  f.p = p;
  f.text = std::move(rule);
  fields_.push_back(std::move(f));
  return *this;
}

body_schema& body_schema::integer(std::string name, integer_rule rule, presence p) {
  assert(rule.min <= rule.max);
  field f;
  f.name = std::move(name);
  f.k = field::kind::integer;
  f.p = p;
  f.number = rule;
  fields_.push_back(std::move(f));
  return *this;
}

body_schema& body_schema::boolean(std::string name, presence p) {
  field f;
  f.name = std::move(name);
  f.k = field::kind::boolean;
  f.p = p;
  fields_.push_back(std::move(f));
  return *this;
}

body_schema& body_schema::string_list(std::string name, string_list_rule rule, presence p) {
  field f;
  f.name = std::move(name);
  f.k = field::kind::string_list;
  f.p = p;
  f.list = std::move(rule);
  fields_.push_back(std::move(f));
  return *this;
}

std::vector<std::string> body_schema::field_names() const {
  std::vector<std::string> names;
  for (const auto& f : fields_) names.push_back(f.name);
  return names;
}

namespace {

/// True when brackets outside strings nest deeper than max_depth. Checked before parsing
/// so a deeply nested body is refused without building (and recursively destroying) it.
bool nests_too_deep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

/// Parses one JSON value, refusing nesting deeper than max_depth and repeated keys.
result<json, problem> parse_json(std::string_view body) {
  if (nests_too_deep(body)) {
    return fail(malformed_json("The body nests deeper than " + std::to_string(max_depth) + " levels."));
  }
  bool too_deep = false;
  bool duplicate = false;
  // Keys seen per open object; a finished object with fewer members than keys had a repeat
  // (nlohmann keeps the last one). Counting avoids copying every key.
  std::vector<std::size_t> keys;
  const json::parser_callback_t watch = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > max_depth) too_deep = true;
    switch (event) {
      case json::parse_event_t::object_start:
        keys.push_back(0);
        break;
      case json::parse_event_t::key:
        if (!keys.empty()) ++keys.back();
        break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) {
          if (parsed.is_object() && parsed.size() != keys.back()) duplicate = true;
          keys.pop_back();
        }
        break;
      default:
        break;
    }
    return true;
  };
  json value;
  try {
    value = json::parse(body.begin(), body.end(), watch, true, false);
  } catch (const json::parse_error& e) {
    // Never echo the library's message (it quotes the input); the offset is enough.
    return fail(
        malformed_json("The body is not valid JSON (error near byte " + std::to_string(e.byte) + ")."));
  } catch (const json::exception&) {
    return fail(malformed_json("The body is not valid JSON (a number is out of range)."));
  }
  if (too_deep)
    return fail(malformed_json("The body nests deeper than " + std::to_string(max_depth) + " levels."));
  if (duplicate) return fail(malformed_json("The body repeats a key within one object."));
  return value;
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

/// An integer field's value, or the problem phrase.
result<std::int64_t, std::string> integer_of(const json& v, const integer_rule& rule) {
  std::int64_t n = 0;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return fail(range_text(rule.min, rule.max));
    n = static_cast<std::int64_t>(u);
  } else if (v.is_number_integer()) {
    n = v.get<std::int64_t>();
  } else if (v.is_number_float()) {
    return fail(std::string("must be a whole number, without a fraction or exponent"));
  } else {
    return fail(std::string("must be a number, not ") + v.type_name());
  }
  if (n < rule.min || n > rule.max) return fail(range_text(rule.min, rule.max));
  return n;
}

}  // namespace

result<validated, problem> body_schema::parse(std::string_view body) const {
  json doc = json::object();
  if (!blank(body)) {
    auto parsed = parse_json(body);
    if (!parsed) return fail(std::move(parsed.error()));
    doc = std::move(*parsed);
  }
  if (!doc.is_object()) {
    return fail(
        validation_failed({{"", std::string("the body must be a JSON object, not ") + doc.type_name()}}));
  }
  error_list errors;
  validated out;
  for (const auto& item : doc.items()) {
    const std::string& name = item.key();  // not a structured binding: clang 14 cannot capture those
    const bool known =
        std::any_of(fields_.begin(), fields_.end(), [&](const field& f) { return f.name == name; });
    if (!known) errors.add(name, "is not a known field");
  }
  for (const auto& f : fields_) {
    const auto it = doc.find(f.name);
    if (it == doc.end() || it->is_null()) {
      if (f.p == presence::required) errors.add(f.name, "is required");
      continue;
    }
    const json& v = *it;
    switch (f.k) {
      case field::kind::string: {
        if (!v.is_string()) {
          errors.add(f.name, std::string("must be a string, not ") + v.type_name());
          break;
        }
        std::string s = v.get<std::string>();
        if (auto problem_text = detail::check_text(s, f.text); !problem_text.empty()) {
          errors.add(f.name, std::move(problem_text));
        } else {
          out.set(f.name, std::move(s));
        }
        break;
      }
      case field::kind::integer: {
        auto n = integer_of(v, f.number);
        if (!n)
          errors.add(f.name, std::move(n.error()));
        else
          out.set(f.name, *n);
        break;
      }
      case field::kind::boolean:
        if (!v.is_boolean())
          errors.add(f.name, std::string("must be true or false, not ") + v.type_name());
        else
          out.set(f.name, v.get<bool>());
        break;
      case field::kind::string_list: {
        if (!v.is_array()) {
          errors.add(f.name, std::string("must be an array of strings, not ") + v.type_name());
          break;
        }
        if (v.size() < f.list.min_items || v.size() > f.list.max_items) {
          errors.add(f.name, "must have " + std::to_string(f.list.min_items) + " to " +
                                 std::to_string(f.list.max_items) + " items");
          break;
        }
        std::vector<std::string> items;
        bool ok = true;
        for (std::size_t i = 0; i < v.size(); ++i) {
          const std::string path = f.name + "/" + std::to_string(i);
          if (!v[i].is_string()) {
            errors.add(path, std::string("must be a string, not ") + v[i].type_name());
            ok = false;
            continue;
          }
          std::string s = v[i].get<std::string>();
          if (auto problem_text = detail::check_text(s, f.list.item); !problem_text.empty()) {
            errors.add(path, std::move(problem_text));
            ok = false;
          } else {
            items.push_back(std::move(s));
          }
        }
        if (ok) out.set(f.name, std::move(items));
        break;
      }
    }
  }
  if (!errors.empty()) return fail(validation_failed(errors.take()));
  return out;
}

// ---------------------------------------------------------------- queries

result<query_params, problem> decode_query(std::string_view raw) {
  query_params params;
  std::size_t start = 0;
  while (start <= raw.size()) {
    const std::size_t amp = std::min(raw.find('&', start), raw.size());
    const std::string_view part = raw.substr(start, amp - start);
    start = amp + 1;
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto name = detail::percent_decode(part.substr(0, eq));
    auto value =
        detail::percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!name || !value) {
      return fail(invalid_query({{detail::printable_name(std::string(part.substr(0, eq))),
                                  "has a malformed percent-escape or a NUL character"}}));
    }
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

struct query_schema::param {
  enum class kind { text, integer, one_of, boolean };
  std::string name;
  kind k = kind::text;
  string_rule text;
  integer_rule number;
};

query_schema::query_schema() = default;
query_schema::~query_schema() = default;
query_schema::query_schema(const query_schema&) = default;
query_schema& query_schema::operator=(const query_schema&) = default;
query_schema::query_schema(query_schema&&) noexcept = default;
query_schema& query_schema::operator=(query_schema&&) noexcept = default;

query_schema& query_schema::paging(page_rule rule) {
  assert(rule.default_size >= 1 && rule.default_size <= rule.max_size);
  paging_ = rule;
  return *this;
}

query_schema& query_schema::text(std::string name, string_rule rule) {
  param p;
  p.name = std::move(name);
  p.k = param::kind::text;
  p.text = std::move(rule);
  params_.push_back(std::move(p));
  return *this;
}

query_schema& query_schema::integer(std::string name, integer_rule rule) {
  assert(rule.min <= rule.max);
  param p;
  p.name = std::move(name);
  p.k = param::kind::integer;
  p.number = rule;
  params_.push_back(std::move(p));
  return *this;
}

query_schema& query_schema::one_of(std::string name, std::vector<std::string> allowed) {
  param p;
  p.name = std::move(name);
  p.k = param::kind::one_of;
  p.text.one_of = std::move(allowed);
  params_.push_back(std::move(p));
  return *this;
}

query_schema& query_schema::boolean(std::string name) {
  param p;
  p.name = std::move(name);
  p.k = param::kind::boolean;
  params_.push_back(std::move(p));
  return *this;
}

namespace {

/// Decimal digits with an optional leading '-', nothing else, within the rule.
result<std::int64_t, std::string> parse_integer_text(std::string_view text, const integer_rule& rule) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc::result_out_of_range) return fail(range_text(rule.min, rule.max));
  if (ec != std::errc{} || end != text.data() + text.size()) return fail(range_text(rule.min, rule.max));
  if (n < rule.min || n > rule.max) return fail(range_text(rule.min, rule.max));
  return n;
}

}  // namespace

result<query_schema::parsed, problem> query_schema::parse(const query_params& params) const {
  error_list errors;
  parsed out;
  if (paging_) out.page.page_size = paging_->default_size;
  std::set<std::string, std::less<>> seen;
  for (const auto& entry : params) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
    const std::string& raw_value = entry.second;
    if (!seen.insert(name).second) {
      errors.add(name, "is given more than once");
      continue;
    }
    if (paging_ && (name == "page" || name == "pageSize")) {
      const bool is_page = name == "page";
      const integer_rule rule{1, is_page ? paging_->max_page : paging_->max_size};
      auto n = parse_integer_text(raw_value, rule);
      if (!n)
        errors.add(name, std::move(n.error()));
      else if (is_page)
        out.page.page = static_cast<std::uint32_t>(*n);
      else
        out.page.page_size = static_cast<std::uint32_t>(*n);
      continue;
    }
    const auto it =
        std::find_if(params_.begin(), params_.end(), [&](const param& p) { return p.name == name; });
    if (it == params_.end()) {
      errors.add(name, "is not a known query parameter");
      continue;
    }
    switch (it->k) {
      case param::kind::text:
      case param::kind::one_of: {
        std::string value = raw_value;
        if (auto problem_text = detail::check_text(value, it->text); !problem_text.empty()) {
          errors.add(name, std::move(problem_text));
        } else {
          out.values.set(name, std::move(value));
        }
        break;
      }
      case param::kind::integer: {
        auto n = parse_integer_text(raw_value, it->number);
        if (!n)
          errors.add(name, std::move(n.error()));
        else
          out.values.set(name, *n);
        break;
      }
      case param::kind::boolean:
        if (raw_value == "true")
          out.values.set(name, true);
        else if (raw_value == "false")
          out.values.set(name, false);
        else
          errors.add(name, "must be true or false");
        break;
    }
  }
  if (!errors.empty()) return fail(invalid_query(errors.take()));
  return out;
}

bool valid_path_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool is_json_content_type(std::string_view content_type) noexcept {
  const auto semicolon = content_type.find(';');
  const std::string_view media = detail::trim_blanks(content_type.substr(0, semicolon));
  if (!detail::iequals(media, "application/json")) return false;
  if (semicolon == std::string_view::npos) return true;
  // Parameters: only charset=utf-8 (any case, optionally quoted) is accepted.
  std::string_view rest = content_type.substr(semicolon + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view parameter = detail::trim_blanks(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    if (parameter.empty()) continue;
    const auto eq = parameter.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = detail::trim_blanks(parameter.substr(0, eq));
    std::string_view value = detail::trim_blanks(parameter.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (!detail::iequals(key, "charset") ||
        !(detail::iequals(value, "utf-8") || detail::iequals(value, "utf8")))
      return false;
  }
  return true;
}

}  // namespace mercato::http
