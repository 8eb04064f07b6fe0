#include <doctest/doctest.h>

#include <mercato/http/problem.hpp>

#include <set>
#include <string>
#include <vector>

namespace h = mercato::http;

TEST_CASE("render gives RFC 7807 members with a stable type URI") {
  const auto p = h::not_found("No product prod-999.");
  CHECK(p.status == 404);
  CHECK(p.type == "https://mercato.dev/problems/not-found");
  CHECK(p.slug() == "not-found");
  const std::string body = h::render(p);
  CHECK(
      body ==
      R"({"detail":"No product prod-999.","status":404,"title":"Not found","type":"https://mercato.dev/problems/not-found"})");
  CHECK(h::problem_content_type == "application/problem+json");
}

TEST_CASE("field errors are rendered and parsed back") {
  const auto p = h::validation_failed(
      {{"quantity", "must be a whole number from 1 to 99"}, {"productId", "is required"}});
  CHECK(p.status == 422);
  const auto back = h::parse_problem(h::render(p));
  REQUIRE(back.has_value());
  CHECK(back->type == p.type);
  CHECK(back->title == "Validation failed");
  CHECK(back->status == 422);
  CHECK(back->errors == p.errors);
}

TEST_CASE("every standard helper has its status and a distinct slug") {
  const h::problem all[] = {h::malformed_json("x"),
                            h::bad_request("x"),
                            h::invalid_query({}),
                            h::unauthorized(),
                            h::forbidden(),
                            h::not_found(),
                            h::method_not_allowed({"GET"}),
                            h::conflict("x"),
                            h::payload_too_large(1024),
                            h::unsupported_media_type(),
                            h::validation_failed({}),
                            h::too_many_requests(7),
                            h::service_unavailable(),
                            h::internal_error()};
  const int statuses[] = {400, 400, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 503, 500};
  std::set<std::string> slugs;
  for (std::size_t i = 0; i < std::size(all); ++i) {
    CAPTURE(all[i].type);
    CHECK(all[i].status == statuses[i]);
    CHECK(all[i].type.starts_with(h::problem_type_base));
    CHECK_FALSE(all[i].title.empty());
    CHECK_FALSE(all[i].detail.empty());
    CHECK(slugs.insert(std::string(all[i].slug())).second);
  }
}

TEST_CASE("429 and 503 carry Retry-After, 405 carries Allow, none of them in the body") {
  const auto limited = h::too_many_requests(42);
  CHECK(limited.retry_after_seconds == 42u);
  CHECK(h::service_unavailable().retry_after_seconds == 1u);
  const auto not_allowed = h::method_not_allowed({"GET", "POST"});
  CHECK(not_allowed.allow == std::vector<std::string>{"GET", "POST"});
  CHECK(not_allowed.detail.find("GET, POST") != std::string::npos);
  const std::string body = h::render(limited);
  CHECK(body.find("retry_after") == std::string::npos);
  CHECK(body.find("Retry") == std::string::npos);
  CHECK(h::render(not_allowed).find("allow\"") == std::string::npos);
}

TEST_CASE("domain problems keep their own slug") {
  const auto p = h::conflict("Only 2 left.", "insufficient-stock", "Insufficient stock");
  CHECK(p.status == 409);
  CHECK(p.type == "https://mercato.dev/problems/insufficient-stock");
  const auto q = h::unprocessable("The cart is empty.", "cart-empty", "Cart empty");
  CHECK(q.status == 422);
  CHECK(q.slug() == "cart-empty");
}

TEST_CASE("invalid UTF-8 in echoed text never breaks rendering") {
  auto p = h::validation_failed({{std::string("na\xff\xfeme"), "is not a known field"}});
  p.detail = "bad \xc3";
  const std::string body = h::render(p);
  const auto back = h::parse_problem(body);
  REQUIRE(back.has_value());
  CHECK(back->errors.front().field == "na\xEF\xBF\xBD\xEF\xBF\xBDme");  // U+FFFD twice
}

TEST_CASE("the 500 problem says nothing about the cause") {
  const auto p = h::internal_error();
  CHECK(p.status == 500);
  CHECK(p.detail.find("request id") != std::string::npos);
}

TEST_CASE("parse_problem refuses what is not a problem") {
  CHECK_FALSE(h::parse_problem("").has_value());
  CHECK_FALSE(h::parse_problem("[]").has_value());
  CHECK_FALSE(h::parse_problem(R"({"type":"x","title":"y"})").has_value());
  CHECK_FALSE(h::parse_problem(R"({"type":"x","title":"y","status":"400"})").has_value());
  CHECK_FALSE(h::parse_problem(R"({"type":"x","title":"y","status":99})").has_value());
  CHECK_FALSE(h::parse_problem(R"({"type":"x","title":"y","status":400,"errors":[1]})").has_value());
  CHECK(h::parse_problem(R"({"type":"x","title":"y","status":400})").has_value());
}
