// libFuzzer target for the request-parsing layer of the HTTP front (mercato_http_core):
// body validation, query decoding, problem rendering, bearer/JWT verification, webhook
// signature headers, content types. Built and run by tools/fuzz/run.sh (clang,
// -fsanitize=fuzzer,address,undefined).
//
// The first input byte picks the entry point; the rest is the attacker's bytes. Besides
// "no crash, no sanitizer report", it checks the invariants the routes rely on: a
// validated body holds only in-range values, and every problem renders to JSON that
// parses back as the same problem.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <mercato/http/jwt.hpp>
#include <mercato/http/problem.hpp>
#include <mercato/http/validate.hpp>
#include <mercato/http/webhook_sig.hpp>

namespace h = mercato::http;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

void check_problem(const h::problem& p) {
  require(p.status >= 400 && p.status <= 599);
  const auto back = h::parse_problem(h::render(p));
  require(back.has_value());
  require(back->status == p.status && back->type == p.type && back->errors.size() == p.errors.size());
}

const h::body_schema& cart_item() {
  static const auto s = h::body_schema{}
                            .string("productId", {.format = h::text_format::identifier})
                            .integer("quantity", {.min = 1, .max = 99});
  return s;
}

const h::body_schema& product() {
  static const auto s =
      h::body_schema{}
          .string("name", {.min_length = 1, .max_length = 200})
          .string("description", {.min_length = 0, .max_length = 5000, .allow_newlines = true},
                  h::presence::optional)
          .string("email", {.max_length = 254, .format = h::text_format::email}, h::presence::optional)
          .string("currency", {.format = h::text_format::currency})
          .integer("price", {.min = 0, .max = INT64_MAX / 1024})
          .boolean("active", h::presence::optional)
          .string("sort", {.one_of = {"price", "-price"}}, h::presence::optional)
          .string_list("images",
                       {.item = {.max_length = 2048, .format = h::text_format::url}, .max_items = 20});
  return s;
}

const h::query_schema& listing() {
  static const auto s = h::query_schema{}
                            .paging()
                            .text("q", {.min_length = 1, .max_length = 100})
                            .integer("minPrice", {.min = 0, .max = INT64_MAX / 2})
                            .one_of("sort", {"name", "-name", "price", "-price"})
                            .boolean("active");
  return s;
}

void fuzz_body(std::string_view in) {
  if (auto r = cart_item().parse(in)) {
    require(h::valid_path_id(r->text("productId")));
    const auto q = r->integer("quantity");
    require(q >= 1 && q <= 99);
  } else {
    check_problem(r.error());
  }
  if (auto r = product().parse(in)) {
    require(r->integer("price") >= 0);
    require(r->text("currency").size() == 3);
    require(r->texts("images").size() <= 20);
  } else {
    check_problem(r.error());
  }
}

void fuzz_query(std::string_view in) {
  auto params = h::decode_query(in);
  if (!params) return check_problem(params.error());
  auto q = listing().parse(*params);
  if (!q) return check_problem(q.error());
  require(q->page.page >= 1 && q->page.page_size >= 1 && q->page.page_size <= 100);
  if (auto min = q->values.optional_integer("minPrice")) require(*min >= 0);
}

void fuzz_token(std::string_view in) {
  static const h::jwt_codec codec({.secret = "fuzz-secret-fuzz-secret-fuzz-secret!",
                                   .issuer = "mercato",
                                   .audience = "mercato-storefront",
                                   .lifetime = std::chrono::seconds{3600}},
                                  [] { return std::int64_t{1'800'000'000} * 1'000'000'000; });
  const std::string header = "Bearer " + std::string(in);
  if (auto token = h::bearer_token(header)) {
    if (auto claims = codec.verify(*token)) {
      // Only a token signed with our secret can get here: a fuzzer forging one is a bug.
      require(false);
    }
  }
  (void)codec.verify(in);
}

void fuzz_webhook(std::string_view in) {
  static const h::webhook_verifier verifier("whsec_fuzz", std::chrono::minutes{5},
                                            [] { return std::int64_t{1'800'000'000} * 1'000'000'000; });
  const auto newline = in.find('\n');
  const std::string_view header = in.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view{} : in.substr(newline + 1);
  if (verifier.verify(header, body)) require(false);  // forging an HMAC-SHA256 is not expected
}

void fuzz_misc(std::string_view in) {
  (void)h::is_json_content_type(in);
  (void)h::valid_path_id(in);
  if (auto p = h::parse_problem(in)) (void)h::render(*p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0:
      fuzz_body(in);
      break;
    case 1:
      fuzz_query(in);
      break;
    case 2:
      fuzz_token(in);
      break;
    case 3:
      fuzz_webhook(in);
      break;
    default:
      fuzz_misc(in);
      break;
  }
  return 0;
}
