#include <doctest/doctest.h>

#include <mercato/http/validate.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace h = mercato::http;

namespace {

const h::body_schema& add_item() {
  static const auto schema = h::body_schema{}
                                 .string("productId", {.format = h::text_format::identifier})
                                 .integer("quantity", {.min = 1, .max = 99});
  return schema;
}

const h::body_schema& product() {
  static const auto schema =
      h::body_schema{}
          .string("name", {.min_length = 1, .max_length = 10})
          .string("description", {.min_length = 0, .max_length = 100, .allow_newlines = true},
                  h::presence::optional)
          .string("currency", {.format = h::text_format::currency})
          .integer("price", {.min = 0, .max = INT64_MAX / 2})
          .boolean("active", h::presence::optional)
          .string_list("images", {.item = {.format = h::text_format::url}, .max_items = 2});
  return schema;
}

/// The field names of a failed parse's errors, in order.
std::vector<std::string> fields_of(const h::problem& p) {
  std::vector<std::string> f;
  for (const auto& e : p.errors) f.push_back(e.field);
  return f;
}

std::string detail_of(const h::problem& p, const std::string& field) {
  for (const auto& e : p.errors)
    if (e.field == field) return e.detail;
  return "";
}

}  // namespace

TEST_CASE("a valid body gives typed values") {
  const auto r = add_item().parse(R"({"productId":"prod-001","quantity":3})");
  REQUIRE(r.has_value());
  CHECK(r->text("productId") == "prod-001");
  CHECK(r->integer("quantity") == 3);
}

TEST_CASE("malformed JSON is a 400 without the parser's text") {
  for (const char* body :
       {"{", "{\"productId\":", "nul", "{'a':1}", "{\"a\":1}x", "\xff", "{\"a\":\"\xc3\x28\"}"}) {
    CAPTURE(body);
    const auto r = add_item().parse(body);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status == 400);
    CHECK(r.error().slug() == "malformed-json");
    CHECK(r.error().detail.find("json.exception") == std::string::npos);
    CHECK(r.error().detail.find("last read") == std::string::npos);
  }
}

TEST_CASE("deep nesting and duplicate keys are malformed") {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  auto r = add_item().parse(R"({"productId":"p","quantity":1,"x":)" + deep + "}");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
  CHECK(r.error().detail.find("deeper") != std::string::npos);

  r = add_item().parse(R"({"productId":"p","quantity":1,"quantity":99})");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
  CHECK(r.error().detail.find("repeats a key") != std::string::npos);
  r = add_item().parse(R"({"productId":"p","quantity":1,"x":[{"a":1,"b":{"c":1,"c":1}}]})");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
  CHECK(r.error().detail.find("repeats a key") != std::string::npos);
  r = add_item().parse(R"({"productId":"p","quantity":1,"x":[{"a":1},{"a":1}]})");  // same key, two objects
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 422);  // only "x is not a known field"
}

TEST_CASE("a 1 MiB array of nested arrays does not crash") {
  std::string deep(512 * 1024, '[');
  deep += std::string(512 * 1024, ']');
  const auto r = add_item().parse(deep);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
}

TEST_CASE("a top level that is not an object is a 422") {
  for (const char* body : {"[]", "1", "\"x\"", "null", "true"}) {
    CAPTURE(body);
    const auto r = add_item().parse(body);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status == 422);
    CHECK(fields_of(r.error()) == std::vector<std::string>{""});
  }
}

TEST_CASE("empty body is {}: required fields are reported") {
  const auto r = add_item().parse("  \n");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 422);
  CHECK(fields_of(r.error()) == std::vector<std::string>{"productId", "quantity"});
  CHECK(detail_of(r.error(), "quantity") == "is required");
}

TEST_CASE("unknown fields and wrong types are all reported at once") {
  const auto r = add_item().parse(R"({"productId":7,"quantity":"3","admin":true})");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 422);
  CHECK(r.error().slug() == "validation-failed");
  CHECK(fields_of(r.error()) == std::vector<std::string>{"admin", "productId", "quantity"});
  CHECK(detail_of(r.error(), "admin") == "is not a known field");
  CHECK(detail_of(r.error(), "productId") == "must be a string, not number");
  CHECK(detail_of(r.error(), "quantity") == "must be a number, not string");
}

TEST_CASE("integers: floats, huge numbers, negatives and out-of-range are refused") {
  for (const char* q : {"1.0", "3.5", "1e2", "-1", "0", "100", "18446744073709551616", "9223372036854775808",
                        "1e400", "-9223372036854775809"}) {
    CAPTURE(q);
    const auto r = add_item().parse(std::string(R"({"productId":"p","quantity":)") + q + "}");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status / 100 == 4);
  }
  const auto big = product().parse(
      R"({"name":"n","currency":"EUR","price":4611686018427387904,"images":[]})");  // INT64_MAX/2 + 1
  REQUIRE_FALSE(big.has_value());
  CHECK(fields_of(big.error()) == std::vector<std::string>{"price"});
  const auto edge = add_item().parse(R"({"productId":"p","quantity":99})");
  REQUIRE(edge.has_value());
  CHECK(edge->integer("quantity") == 99);
}

TEST_CASE("strings: trimmed, length in code points, no control characters") {
  auto r = product().parse(R"({"name":"  Täschchen ","currency":"EUR","price":0})");
  REQUIRE(r.has_value());
  CHECK(r->text("name") == "Täschchen");  // 9 code points, 10 bytes
  CHECK_FALSE(r->has("description"));
  CHECK(r->texts("images").empty());

  r = product().parse(R"({"name":"ÄÄÄÄÄÄÄÄÄÄÄ","currency":"EUR","price":0})");  // 11 code points
  REQUIRE_FALSE(r.has_value());
  CHECK(detail_of(r.error(), "name") == "must be at most 10 characters");

  for (const char* name :
       {R"("a\u0000b")", R"("a\u001bb")", R"("a\nb")", R"("a\u007fb")", R"("a\u0085b")", R"("   ")"}) {
    CAPTURE(name);
    r = product().parse(std::string(R"({"currency":"EUR","price":0,"name":)") + name + "}");
    REQUIRE_FALSE(r.has_value());
    CHECK(fields_of(r.error()) == std::vector<std::string>{"name"});
  }
  r = product().parse(R"({"name":"n","currency":"EUR","price":0,"description":"line 1\r\nline 2\n"})");
  REQUIRE(r.has_value());
  CHECK(r->optional_text("description") == "line 1\r\nline 2");
}

TEST_CASE("unicode: emoji and CJK count as one character each") {
  const auto r = product().parse(R"({"name":"🛒購物車","currency":"EUR","price":1})");
  REQUIRE(r.has_value());
  CHECK(r->text("name") == "🛒購物車");
}

TEST_CASE("formats: currency, url list items, identifiers, e-mail") {
  auto r = product().parse(
      R"({"name":"n","currency":"eur","price":0,"images":["https://x.example/a.png","ftp://x",3]})");
  REQUIRE_FALSE(r.has_value());
  CHECK(fields_of(r.error()) == std::vector<std::string>{"currency", "images"});
  r = product().parse(
      R"({"name":"n","currency":"EUR","price":0,"images":["https://x.example/a.png","ftp://x"]})");
  REQUIRE_FALSE(r.has_value());
  CHECK(fields_of(r.error()) == std::vector<std::string>{"images/1"});
  r = product().parse(
      R"({"name":"n","currency":"EUR","price":0,"images":["https://x.example/a.png"],"active":null})");
  REQUIRE(r.has_value());
  CHECK(r->texts("images") == std::vector<std::string>{"https://x.example/a.png"});
  CHECK_FALSE(r->optional_boolean("active").has_value());

  r = add_item().parse(R"({"productId":"../etc/passwd","quantity":1})");
  REQUIRE_FALSE(r.has_value());
  CHECK(fields_of(r.error()) == std::vector<std::string>{"productId"});

  static const auto email =
      h::body_schema{}.string("email", {.max_length = 254, .format = h::text_format::email});
  for (const char* ok : {"test@example.com", "a.b+c@sub.example.co"}) {
    CAPTURE(ok);
    CHECK(email.parse(std::string(R"({"email":")") + ok + "\"}").has_value());
  }
  for (const char* bad :
       {"test", "@example.com", "a@b", "a b@example.com", "a@example..com", "a@-x.com", "a..b@x.com"}) {
    CAPTURE(bad);
    CHECK_FALSE(email.parse(std::string(R"({"email":")") + bad + "\"}").has_value());
  }
}

TEST_CASE("one_of and booleans") {
  static const auto s = h::body_schema{}.string("role", {.one_of = {"customer", "admin"}}).boolean("flag");
  auto r = s.parse(R"({"role":"admin","flag":false})");
  REQUIRE(r.has_value());
  CHECK(r->text("role") == "admin");
  CHECK_FALSE(r->boolean("flag"));
  r = s.parse(R"({"role":"root","flag":"false"})");
  REQUIRE_FALSE(r.has_value());
  CHECK(detail_of(r.error(), "role") == "must be one of: customer, admin");
  CHECK(detail_of(r.error(), "flag") == "must be true or false, not string");
}

TEST_CASE("a flood of unknown fields gives a bounded answer") {
  std::string body = "{";
  for (int i = 0; i < 5000; ++i) body += "\"f" + std::to_string(i) + "\":1,";
  body += R"("productId":"p","quantity":1})";
  const auto r = add_item().parse(body);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().errors.size() <= 51);
  CHECK(r.error().errors.back().detail == "more violations not listed");
}

TEST_CASE("echoed unknown field names are cut and cleaned") {
  const auto r = add_item().parse("{\"" + std::string(200, 'x') + "\":1,\"productId\":\"p\",\"quantity\":1}");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().errors.front().field.size() <= 67);
}

TEST_CASE("decode_query percent-decodes and refuses bad escapes") {
  auto q = h::decode_query("q=red+shoes&category=caf%C3%A9&&page=2&flag");
  REQUIRE(q.has_value());
  CHECK(*q == h::query_params{{"q", "red shoes"}, {"category", "café"}, {"page", "2"}, {"flag", ""}});
  CHECK(h::decode_query("").value().empty());
  for (const char* bad : {"q=%zz", "q=%4", "q=%", "q=a%00b"}) {
    CAPTURE(bad);
    const auto r = h::decode_query(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status == 400);
  }
}

TEST_CASE("query_schema: paging defaults, bounds, enums, ranges, unknown and repeated names") {
  static const auto schema = h::query_schema{}
                                 .paging({.default_size = 20, .max_size = 100})
                                 .text("q", {.min_length = 1, .max_length = 20})
                                 .integer("minPrice", {.min = 0, .max = 1000000})
                                 .one_of("sort", {"price", "-price", "name"})
                                 .boolean("active");
  auto r = schema.parse({});
  REQUIRE(r.has_value());
  CHECK(r->page.page == 1);
  CHECK(r->page.page_size == 20);
  CHECK(r->page.offset() == 0);

  r = schema.parse({{"page", "3"},
                    {"pageSize", "50"},
                    {"q", " shoe "},
                    {"minPrice", "100"},
                    {"sort", "-price"},
                    {"active", "true"}});
  REQUIRE(r.has_value());
  CHECK(r->page.offset() == 100);
  CHECK(r->values.optional_text("q") == "shoe");
  CHECK(r->values.optional_integer("minPrice") == 100);
  CHECK(r->values.optional_text("sort") == "-price");
  CHECK(r->values.optional_boolean("active") == true);
  CHECK_FALSE(r->values.optional_integer("maxPrice").has_value());

  r = schema.parse({{"page", "0"},
                    {"pageSize", "101"},
                    {"minPrice", "1.5"},
                    {"sort", "price;drop"},
                    {"limit", "5"},
                    {"q", "a"},
                    {"q", "b"},
                    {"active", "1"}});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
  CHECK(r.error().slug() == "invalid-query");
  CHECK(fields_of(r.error()) ==
        std::vector<std::string>{"page", "pageSize", "minPrice", "sort", "limit", "q", "active"});
  CHECK(detail_of(r.error(), "limit") == "is not a known query parameter");
  CHECK(detail_of(r.error(), "q") == "is given more than once");

  for (const char* bad : {"+5", " 5", "5 ", "0x10", "99999999999999999999", "-1", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(schema.parse({{"minPrice", bad}}).has_value());
  }
}

TEST_CASE("path ids and content types") {
  CHECK(h::valid_path_id("prod-001"));
  CHECK(h::valid_path_id("3f2b8c1e-0d4a-4c55-9b7e-2c1f0a9d8e7b"));
  CHECK_FALSE(h::valid_path_id(""));
  CHECK_FALSE(h::valid_path_id("a/b"));
  CHECK_FALSE(h::valid_path_id("a b"));
  CHECK_FALSE(h::valid_path_id(std::string(65, 'a')));
  CHECK(h::is_json_content_type("application/json"));
  CHECK(h::is_json_content_type("Application/JSON; charset=UTF-8"));
  CHECK(h::is_json_content_type("application/json;charset=\"utf-8\""));
  CHECK_FALSE(h::is_json_content_type("application/json; charset=latin1"));
  CHECK_FALSE(h::is_json_content_type("text/plain"));
  CHECK_FALSE(h::is_json_content_type("application/jsonx"));
  CHECK_FALSE(h::is_json_content_type(""));
}
