#include <doctest/doctest.h>

#include <mercato/http/cors.hpp>

#include <algorithm>
#include <string>

namespace h = mercato::http;

namespace {

std::string header(const std::vector<h::header_field>& headers, std::string_view name) {
  const auto it = std::find_if(headers.begin(), headers.end(), [&](const auto& f) { return f.name == name; });
  return it == headers.end() ? std::string("<absent>") : it->value;
}

const h::cors_policy shop({.allowed_origins = {"https://shop.example.com", "http://localhost:3000"}});

}  // namespace

TEST_CASE("an allowed origin gets its own origin back, with Vary: Origin") {
  const auto headers = shop.response_headers("https://shop.example.com");
  CHECK(header(headers, "Access-Control-Allow-Origin") == "https://shop.example.com");
  CHECK(header(headers, "Vary") == "Origin");
  CHECK(header(headers, "Access-Control-Expose-Headers").find("X-Request-Id") != std::string::npos);
  CHECK(header(headers, "Access-Control-Allow-Credentials") == "<absent>");
}

TEST_CASE("other origins get no Allow-Origin, but still Vary; no Origin gets nothing") {
  for (const char* o : {"https://evil.example.com", "https://shop.example.com.evil.com", "null",
                        "http://shop.example.com", ""}) {
    CAPTURE(o);
    const auto headers = shop.response_headers(o);
    CHECK(header(headers, "Access-Control-Allow-Origin") == "<absent>");
    CHECK(header(headers, "Vary") == "Origin");
  }
  CHECK(shop.response_headers(std::nullopt).empty());
  CHECK(shop.origin_allowed("HTTPS://SHOP.EXAMPLE.COM"));
}

TEST_CASE("preflight: allowed methods and headers, including Authorization and Idempotency-Key") {
  CHECK(h::cors_policy::is_preflight("OPTIONS", "https://shop.example.com", "POST"));
  CHECK_FALSE(h::cors_policy::is_preflight("OPTIONS", std::nullopt, "POST"));
  CHECK_FALSE(h::cors_policy::is_preflight("OPTIONS", "https://shop.example.com", std::nullopt));
  CHECK_FALSE(h::cors_policy::is_preflight("POST", "https://shop.example.com", "POST"));

  const auto a = shop.preflight("http://localhost:3000", "POST",
                                "authorization, content-type, Idempotency-Key, x-request-id");
  CHECK(a.status == 204);
  CHECK(header(a.headers, "Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(header(a.headers, "Access-Control-Allow-Methods").find("DELETE") != std::string::npos);
  CHECK(header(a.headers, "Access-Control-Allow-Headers").find("Idempotency-Key") != std::string::npos);
  CHECK(header(a.headers, "Access-Control-Allow-Headers").find("Authorization") != std::string::npos);
  CHECK(header(a.headers, "Access-Control-Max-Age") == "600");
  CHECK(header(a.headers, "Vary") == "Origin");
  CHECK(shop.preflight("http://localhost:3000", "GET", std::nullopt).status == 204);
}

TEST_CASE("preflight refusals: origin, method, header") {
  CHECK(shop.preflight("https://evil.example.com", "GET", std::nullopt).status == 403);
  CHECK(shop.preflight("https://shop.example.com", "PATCH", std::nullopt).status == 403);
  CHECK(shop.preflight("https://shop.example.com", "POST", "X-Custom").status == 403);
  const auto refused = shop.preflight("https://evil.example.com", "GET", std::nullopt);
  CHECK(header(refused.headers, "Access-Control-Allow-Origin") == "<absent>");
}

TEST_CASE("no origins configured: nobody; * : everybody, answered with *") {
  const h::cors_policy none({});
  CHECK_FALSE(none.origin_allowed("https://shop.example.com"));
  CHECK(none.preflight("https://shop.example.com", "GET", std::nullopt).status == 403);
  const h::cors_policy any({.allowed_origins = {"*"}});
  CHECK(header(any.response_headers("https://x.example"), "Access-Control-Allow-Origin") == "*");
  CHECK(any.preflight("https://x.example", "PUT", "Authorization").status == 204);
}

TEST_CASE("options from the config") {
  auto c = mercato::config::load({.overrides = {{"http.cors_origins", "https://a.example"}}});
  REQUIRE(c.has_value());
  CHECK(h::cors_options_from(*c).allowed_origins == std::vector<std::string>{"https://a.example"});
}
