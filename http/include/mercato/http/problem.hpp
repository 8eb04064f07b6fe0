#pragma once
// RFC 7807 problem details: every error answer of the HTTP API is one of these, rendered as
// `application/problem+json`. A problem carries a stable `type` URI (clients switch on it),
// a short `title` that is the same for every problem of that type, the HTTP `status` and a
// `detail` a person can act on, plus optional field-level `errors` for validation.
//
// Rule: no problem ever carries an exception's what(), a file path or any other internal;
// callers build `detail` from fixed text and the client's own (validated) input only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mercato::http {

/// The media type of every error body.
inline constexpr std::string_view problem_content_type = "application/problem+json";
/// The prefix of every problem type URI: `https://mercato.dev/problems/<slug>`.
inline constexpr std::string_view problem_type_base = "https://mercato.dev/problems/";

/// One violation of a request's shape or content, for a single field.
/// `field` is a JSON-pointer-like path without the leading slash (`quantity`,
/// `images/2`), or a query parameter's name; `detail` says what is accepted.
struct field_error {
  std::string field;
  std::string detail;
  bool operator==(const field_error&) const = default;
};

struct problem {
  std::string type;                 ///< full URI, problem_type_base + slug
  std::string title;                ///< fixed per type (`Validation failed`)
  int status = 500;                 ///< the HTTP status the response must carry
  std::string detail;               ///< for a person: what went wrong and what to do
  std::vector<field_error> errors;  ///< field-level violations (rendered only when non-empty)
  /// Seconds for a `Retry-After` header (429, 503). Not part of the JSON body; the server
  /// turns it into the header.
  std::optional<std::uint32_t> retry_after_seconds;
  /// Methods for an `Allow` header (405). Not part of the body.
  std::vector<std::string> allow;

  /// The slug at the end of `type` (`validation-failed`).
  std::string_view slug() const noexcept;
};

/// `problem_type_base + slug`.
std::string problem_type(std::string_view slug);

/// A problem of any kind: `status` with a stable `slug` and fixed `title`.
problem make_problem(int status, std::string_view slug, std::string_view title, std::string detail);

/// The body: `{"type","title","status","detail"[,"errors":[{"field","detail"}]]}`.
/// Never throws: invalid UTF-8 in any text (e.g. echoed field names) is replaced by U+FFFD.
std::string render(const problem& p);

/// Parses a body made by render() (tests, clients). nullopt unless it is a JSON object with
/// a string `type`, string `title` and integer `status`.
std::optional<problem> parse_problem(std::string_view body);

// ---- The standard problems. Slugs (stable, part of the API):
// 400 malformed-json | bad-request | invalid-query
// 401 unauthorized   403 forbidden   404 not-found   405 method-not-allowed
// 409 conflict (or a domain slug)    413 payload-too-large   415 unsupported-media-type
// 422 validation-failed (or a domain slug)   429 rate-limited   503 unavailable
// 500 internal-error

/// 400: the body is not JSON (or nests too deeply, has duplicate keys...).
problem malformed_json(std::string detail);
/// 400: something else about the request is unusable (a header, a path id).
problem bad_request(std::string detail, std::vector<field_error> errors = {});
/// 400: query parameters are malformed or out of range (each in `errors`).
problem invalid_query(std::vector<field_error> errors);
/// 401: no, malformed, expired or forged credentials. The server adds
/// `WWW-Authenticate: Bearer`.
problem unauthorized(std::string detail = "A valid bearer token is required.");
/// 403: authenticated but not allowed (customer on an admin route).
problem forbidden(std::string detail = "This route needs the admin role.");
/// 404: unknown route, or a resource that does not exist or is not the caller's.
problem not_found(std::string detail = "No such resource.");
/// 405 with the methods the path does allow (for the `Allow` header and the detail).
problem method_not_allowed(std::vector<std::string> allowed);
/// 409: the request conflicts with the resource's state. `slug` names the rule
/// (`conflict`, `insufficient-stock`, `invalid-transition`, `email-taken`...).
problem conflict(std::string detail, std::string_view slug = "conflict", std::string_view title = "Conflict");
/// 413: the body is larger than `limit_bytes`.
problem payload_too_large(std::size_t limit_bytes);
/// 415: the body is not `application/json`.
problem unsupported_media_type(std::string_view expected = "application/json");
/// 422: well-formed JSON that breaks the schema; one entry per violation.
problem validation_failed(std::vector<field_error> errors);
/// 422: a domain rule refused the command (`cart-empty`, `product-inactive`...).
problem unprocessable(std::string detail, std::string_view slug, std::string_view title);
/// 429 with Retry-After.
problem too_many_requests(std::uint32_t retry_after_seconds);
/// 503: an entity or the storage did not answer in time, or the node is shutting down.
problem service_unavailable(std::string detail = "The service is busy; retry shortly.",
                            std::uint32_t retry_after_seconds = 1);
/// 500: a bug. The detail is fixed; log the cause with the request id, never send it.
problem internal_error();

}  // namespace mercato::http
