#include <mercato/http/problem.hpp>

#include <nlohmann/json.hpp>

namespace mercato::http {

using nlohmann::json;

std::string_view problem::slug() const noexcept {
  std::string_view t = type;
  if (t.starts_with(problem_type_base)) t.remove_prefix(problem_type_base.size());
  return t;
}

std::string problem_type(std::string_view slug) {
  std::string uri(problem_type_base);
  uri += slug;
  return uri;
}

problem make_problem(int status, std::string_view slug, std::string_view title, std::string detail) {
  problem p;
  p.type = problem_type(slug);
  p.title = std::string(title);
  p.status = status;
  p.detail = std::move(detail);
  return p;
}

std::string render(const problem& p) {
  json body = json::object();
  body["type"] = p.type;
  body["title"] = p.title;
  body["status"] = p.status;
  body["detail"] = p.detail;
  if (!p.errors.empty()) {
    json errors = json::array();
    for (const auto& e : p.errors) errors.push_back(json{{"field", e.field}, {"detail", e.detail}});
    body["errors"] = std::move(errors);
  }
  // replace: invalid UTF-8 (e.g. an echoed field name) becomes U+FFFD instead of throwing.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<problem> parse_problem(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto type = j.find("type");
  const auto title = j.find("title");
  const auto status = j.find("status");
  if (type == j.end() || !type->is_string() || title == j.end() || !title->is_string() || status == j.end() ||
      !status->is_number_integer()) {
    return std::nullopt;
  }
  const auto status_value = status->get<std::int64_t>();
  if (status_value < 100 || status_value > 599) return std::nullopt;
  problem p;
  p.type = type->get<std::string>();
  p.title = title->get<std::string>();
  p.status = static_cast<int>(status_value);
  if (const auto detail = j.find("detail"); detail != j.end() && detail->is_string()) {
    p.detail = detail->get<std::string>();
  }
  if (const auto errors = j.find("errors"); errors != j.end() && errors->is_array()) {
    for (const auto& e : *errors) {
      if (!e.is_object()) return std::nullopt;
      const auto field = e.find("field");
      const auto detail = e.find("detail");
      if (field == e.end() || !field->is_string() || detail == e.end() || !detail->is_string()) {
        return std::nullopt;
      }
      p.errors.push_back({field->get<std::string>(), detail->get<std::string>()});
    }
  }
  return p;
}

problem malformed_json(std::string detail) {
  return make_problem(400, "malformed-json", "Malformed JSON", std::move(detail));
}

problem bad_request(std::string detail, std::vector<field_error> errors) {
  auto p = make_problem(400, "bad-request", "Bad request", std::move(detail));
  p.errors = std::move(errors);
  return p;
}

problem invalid_query(std::vector<field_error> errors) {
  auto p = make_problem(400, "invalid-query", "Invalid query parameters",
                        "One or more query parameters are invalid; see errors.");
  p.errors = std::move(errors);
  return p;
}

problem unauthorized(std::string detail) {
  return make_problem(401, "unauthorized", "Unauthorized", std::move(detail));
}

problem forbidden(std::string detail) {
  return make_problem(403, "forbidden", "Forbidden", std::move(detail));
}

problem not_found(std::string detail) {
  return make_problem(404, "not-found", "Not found", std::move(detail));
}

problem method_not_allowed(std::vector<std::string> allowed) {
  std::string list;
  for (const auto& m : allowed) list += (list.empty() ? "" : ", ") + m;
  auto p =
      make_problem(405, "method-not-allowed", "Method not allowed", "This path allows only: " + list + ".");
  p.allow = std::move(allowed);
  return p;
}

problem conflict(std::string detail, std::string_view slug, std::string_view title) {
  return make_problem(409, slug, title, std::move(detail));
}

problem payload_too_large(std::size_t limit_bytes) {
  return make_problem(413, "payload-too-large", "Payload too large",
                      "The request body is larger than " + std::to_string(limit_bytes) + " bytes.");
}

problem unsupported_media_type(std::string_view expected) {
  return make_problem(415, "unsupported-media-type", "Unsupported media type",
                      "Send the body as " + std::string(expected) + ".");
}

problem validation_failed(std::vector<field_error> errors) {
  auto p = make_problem(422, "validation-failed", "Validation failed",
                        "The request body breaks the schema; see errors.");
  p.errors = std::move(errors);
  return p;
}

problem unprocessable(std::string detail, std::string_view slug, std::string_view title) {
  return make_problem(422, slug, title, std::move(detail));
}

problem too_many_requests(std::uint32_t retry_after_seconds) {
  auto p =
      make_problem(429, "rate-limited", "Too many requests",
                   "Rate limit reached; retry after " + std::to_string(retry_after_seconds) + " seconds.");
  p.retry_after_seconds = retry_after_seconds;
  return p;
}

problem service_unavailable(std::string detail, std::uint32_t retry_after_seconds) {
  auto p = make_problem(503, "unavailable", "Service unavailable", std::move(detail));
  p.retry_after_seconds = retry_after_seconds;
  return p;
}

problem internal_error() {
  return make_problem(500, "internal-error", "Internal error",
                      "Something went wrong on our side; the request id identifies it in our logs.");
}

}  // namespace mercato::http
