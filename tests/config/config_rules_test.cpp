// White-box tests of the value rules behind every key (config/src/rules.hpp).
#include <doctest/doctest.h>

#include <string>

#include "rules.hpp"

namespace cfg = mercato::config;
namespace rules = mercato::config::detail;

TEST_CASE("whole numbers: decimal digits only, bounds inclusive") {
  CHECK(*rules::parse_whole("1", 1, 10) == 1);
  CHECK(*rules::parse_whole("10", 1, 10) == 10);
  CHECK(*rules::parse_whole("007", 1, 10) == 7);
  for (const char* text : {"", " 5", "5 ", "+5", "0x10", "1e3", "2.5", "5.", "abc", "1_000"}) {
    CAPTURE(text);
    const auto r = rules::parse_whole(text, 0, 1000000);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == "is not a whole number");
  }
  for (const char* text : {"0", "11", "-1", "99999999999999999999", "-99999999999999999999"}) {
    CAPTURE(text);
    const auto r = rules::parse_whole(text, 1, 10);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == "is out of range");
  }
  CHECK(rules::whole<1, 4096>{}.accepted() == "a whole number from 1 to 4096");
}

TEST_CASE("flags: exactly true or false") {
  CHECK(*rules::parse_flag("true"));
  CHECK_FALSE(*rules::parse_flag("false"));
  for (const char* text : {"True", "yes", "on", "1", ""}) {
    CAPTURE(text);
    CHECK_FALSE(rules::parse_flag(text).has_value());
  }
}

TEST_CASE("endpoints: HOST:PORT and [IPv6]:PORT") {
  CHECK(*rules::parse_endpoint("127.0.0.1:8080") == cfg::endpoint{"127.0.0.1", 8080});
  CHECK(*rules::parse_endpoint("localhost:1") == cfg::endpoint{"localhost", 1});
  CHECK(*rules::parse_endpoint("[::1]:65535") == cfg::endpoint{"::1", 65535});
  CHECK(*rules::parse_endpoint("127.0.0.1:0") == cfg::endpoint{"127.0.0.1", 0});  // any free port
  CHECK(*rules::parse_endpoint("[::]:80") == cfg::endpoint{"::", 80});
  for (const char* text : {"", "host", "host:", ":80", "host:65536", "host:http", "::1:80", "[::1]80", "[::1",
                           "[]:80", "ho st:80", "a_b:80"}) {
    CAPTURE(text);
    CHECK_FALSE(rules::parse_endpoint(text).has_value());
  }
  CHECK(rules::format_endpoint({"::1", 8080}) == "[::1]:8080");
  CHECK(rules::format_endpoint({"0.0.0.0", 80}) == "0.0.0.0:80");
}

TEST_CASE("identifiers: 1..64 of [A-Za-z0-9._-]") {
  CHECK(*rules::parse_identifier("node-1") == "node-1");
  CHECK(*rules::parse_identifier("A.b_c-9") == "A.b_c-9");
  CHECK(rules::parse_identifier(std::string(64, 'x')).has_value());
  CHECK_FALSE(rules::parse_identifier(std::string(65, 'x')).has_value());
  CHECK_FALSE(rules::parse_identifier("").has_value());
  CHECK_FALSE(rules::parse_identifier("a/b").has_value());
  CHECK_FALSE(rules::parse_identifier("é").has_value());
}

TEST_CASE("one_of: exact names, listed in the accepted text") {
  const rules::one_of<cfg::log_format> format{cfg::log_format::json, cfg::log_format::text};
  CHECK(*format.parse("text") == cfg::log_format::text);
  CHECK_FALSE(format.parse("JSON").has_value());
  CHECK(format.accepted() == "one of json, text");
}
