// Per-request costs of the HTTP building blocks (mercato_http_core) on one thread: what a
// request pays before and after its handler (bearer token, body and query validation,
// rate limit, metrics, problem rendering, webhook signature). Each figure is printed with
// a reference measured in the same run (the bare primitive underneath).
// Markdown section to stdout; --out appends it to a file (docs/benchmarks-detail.md).
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <sodium.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <mercato/http/jwt.hpp>
#include <mercato/http/metrics.hpp>
#include <mercato/http/problem.hpp>
#include <mercato/http/rate_limit.hpp>
#include <mercato/http/validate.hpp>
#include <mercato/http/webhook_sig.hpp>

#include "bench_util.hpp"

namespace h = mercato::http;

namespace {

std::uint64_t sink = 0;  // results feed it, and it is printed: nothing is optimised away

/// Nanoseconds per call of `f` over `n` calls.
template <class F>
double ns_per_op(std::uint64_t n, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n; ++i) f(i);
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
         static_cast<double>(n);
}

std::string fmt(double v) {
  std::ostringstream o;
  o.precision(v < 10 ? 2 : 0);
  o << std::fixed << v;
  return o.str();
}

struct row {
  std::string what;
  double ns;
  std::string reference;
  double reference_ns;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Mercato HTTP building blocks: per-request costs"};
  bool quick = false;
  std::string out_file;
  app.add_flag("--quick", quick, "fewer iterations (harness check)");
  app.add_option("--out", out_file, "append the Markdown section to this file");
  CLI11_PARSE(app, argc, argv);
  std::string command = "http_core_bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  const std::uint64_t n = quick ? 20000 : 300000;
  if (sodium_init() < 0) return 1;

  const std::string secret = "0123456789abcdef0123456789abcdef";
  const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  std::vector<row> rows;

  // Bearer tokens: many users, each token seen once (first sight) or again (remembered).
  {
    h::jwt_codec issuer({.secret = secret, .issuer = "mercato", .audience = "mercato-storefront"});
    const std::uint64_t users = quick ? 2000 : 20000;
    std::vector<std::string> tokens;
    for (std::uint64_t i = 0; i < users; ++i)
      tokens.push_back(
          issuer.issue({"user-" + std::to_string(i), "customer", std::nullopt}).value().access_token);
    h::jwt_codec fresh({.secret = secret, .issuer = "mercato", .audience = "mercato-storefront"});
    const double first =
        ns_per_op(users, [&](std::uint64_t i) { sink += fresh.verify(tokens[i]).has_value(); });
    h::jwt_codec warm({.secret = secret, .issuer = "mercato", .audience = "mercato-storefront"});
    const std::string& one = tokens.front();
    (void)warm.verify(one);
    const double again = ns_per_op(n, [&](std::uint64_t) { sink += warm.verify(one).has_value(); });
    const std::string input = one.substr(0, one.rfind('.'));
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    const double hmac = ns_per_op(n, [&](std::uint64_t) {
      crypto_auth_hmacsha256_state st;
      crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
      crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()), input.size());
      crypto_auth_hmacsha256_final(&st, mac);
      sink += mac[0];
    });
    rows.push_back({"JWT verify, token seen first (libjwt HS256 + claims)", first,
                    "HMAC-SHA256 of the signing input alone", hmac});
    rows.push_back({"JWT verify, token remembered", again, "HMAC-SHA256 of the signing input alone", hmac});
  }

  // Add-to-cart body.
  {
    static const auto schema = h::body_schema{}
                                   .string("productId", {.format = h::text_format::identifier})
                                   .integer("quantity", {.min = 1, .max = 99});
    const std::string body = R"({"productId":"prod-001","quantity":2})";
    const double validate = ns_per_op(n, [&](std::uint64_t) { sink += schema.parse(body).has_value(); });
    const double parse = ns_per_op(n, [&](std::uint64_t) { sink += nlohmann::json::parse(body).size(); });
    rows.push_back(
        {"body validation (add-to-cart body)", validate, "nlohmann::json::parse of the same body", parse});
  }

  // Product listing query.
  {
    static const auto schema = h::query_schema{}
                                   .paging()
                                   .text("q", {.min_length = 1, .max_length = 100})
                                   .integer("minPrice", {.min = 0, .max = INT64_MAX / 2})
                                   .one_of("sort", {"name", "-name", "price", "-price"});
    const std::string raw = "page=2&pageSize=20&q=red+shoes&minPrice=100&sort=-price";
    const double query = ns_per_op(n, [&](std::uint64_t) {
      auto params = h::decode_query(raw);
      sink += schema.parse(*params).has_value();
    });
    const double decode = ns_per_op(n, [&](std::uint64_t) { sink += h::decode_query(raw)->size(); });
    rows.push_back({"query decode + validation (product listing)", query, "decode_query alone", decode});
  }

  // Rate limit, metrics, problems, webhooks.
  {
    h::rate_limiter limiter({.enabled = true, .general = {1000000000, std::chrono::seconds{60}}});
    std::vector<std::string> clients;
    for (int i = 0; i < 1024; ++i)
      clients.push_back("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    const double limit =
        ns_per_op(n, [&](std::uint64_t i) { sink += limiter.check(clients[i % clients.size()]).allowed; });
    h::registry registry;
    h::http_metrics metrics(registry);
    const double observe =
        ns_per_op(n, [&](std::uint64_t) { metrics.observe("POST", "/api/v1/cart/items", 201, 0.0012); });
    std::mutex m;
    const double lock = ns_per_op(n, [&](std::uint64_t) {
      const std::lock_guard g(m);
      sink += 1;
    });
    rows.push_back({"rate limit check (1024 clients)", limit, "an uncontended mutex lock/unlock", lock});
    rows.push_back({"metrics: count + time one request", observe, "an uncontended mutex lock/unlock", lock});

    const auto problem = h::validation_failed(
        {{"quantity", "must be a whole number from 1 to 99"}, {"admin", "is not a known field"}});
    const double render = ns_per_op(n, [&](std::uint64_t) { sink += h::render(problem).size(); });
    const std::string body = R"({"productId":"prod-001","quantity":2})";
    const double parse = ns_per_op(n, [&](std::uint64_t) { sink += nlohmann::json::parse(body).size(); });
    rows.push_back({"problem+json rendering (422, two field errors)", render,
                    "nlohmann::json::parse of the add-to-cart body", parse});

    const std::string hook = R"({"id":"evt_1","type":"payment.captured","paymentId":"pay-1"})";
    const h::webhook_verifier verifier("whsec_bench", std::chrono::minutes{5}, [now_ns] { return now_ns; });
    const std::string header = h::sign_webhook("whsec_bench", now_ns / 1000000000, hook);
    const double verify =
        ns_per_op(n, [&](std::uint64_t) { sink += verifier.verify(header, hook).has_value(); });
    const double mac =
        ns_per_op(n, [&](std::uint64_t) { sink += h::webhook_hmac_hex("whsec_bench", 1, hook).size(); });
    rows.push_back({"webhook signature verify", verify, "HMAC-SHA256 + hex of the same body", mac});
  }

  std::ostringstream md;
  md << "## HTTP building blocks (per request, one thread)\n\n"
     << "Measured by `" << command << "` on " << mercato::bench::machine() << ". " << n
     << " calls per figure (first-sight JWT: one call per distinct token). The reference is the bare "
        "primitive "
     << "underneath, timed in the same run.\n\n"
     << "| operation | ns/op | reference | ref ns/op | ÷ reference |\n|---|---|---|---|---|\n";
  for (const auto& r : rows)
    md << "| " << r.what << " | " << fmt(r.ns) << " | " << r.reference << " | " << fmt(r.reference_ns)
       << " | " << fmt(r.ns / r.reference_ns) << "× |\n";
  md << "\n";
  std::cout << md.str();
  if (!out_file.empty()) std::ofstream(out_file, std::ios::app) << md.str();
  std::cerr << "(checksum " << sink << ")\n";
  return 0;
}
