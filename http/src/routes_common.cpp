// Helpers every route source uses: command metadata, refusal → problem, consistency
// tokens, JSON bodies, queries with read-your-writes.
#include <charconv>

#include <mercato/projections/host.hpp>

#include "context.hpp"

namespace mercato::http::detail {

using domain::domain_errc;

actors::command_meta meta_of(const exchange& ex) {
  actors::command_meta m;
  m.idempotency_key = ex.req().header("idempotency-key");
  m.correlation_id = ex.request_id();
  return m;
}

namespace {

/// "insufficientStock" → "insufficient-stock".
std::string kebab(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('-');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

/// "insufficient-stock" → "Insufficient stock".
std::string title_of(std::string_view slug) {
  std::string t(slug);
  for (auto& c : t)
    if (c == '-') c = ' ';
  if (!t.empty() && t[0] >= 'a' && t[0] <= 'z') t[0] = static_cast<char>(t[0] - 'a' + 'A');
  return t;
}

int status_of(domain_errc code) {
  switch (code) {
    case domain_errc::user_not_found:
    case domain_errc::product_not_found:
    case domain_errc::cart_not_found:
    case domain_errc::line_not_found:
    case domain_errc::order_not_found:
    case domain_errc::payment_not_found:
    case domain_errc::checkout_not_found:
    case domain_errc::not_found:
    case domain_errc::reservation_not_found:
    case domain_errc::forbidden:  // another user's resource: as if it did not exist
      return 404;
    case domain_errc::email_taken:
    case domain_errc::product_exists:
    case domain_errc::invalid_transition:
    case domain_errc::checkout_in_progress:
    case domain_errc::idempotency_key_reused:
    case domain_errc::reservation_exists:
    case domain_errc::insufficient_stock:
    case domain_errc::product_inactive:
      return 409;
    case domain_errc::invalid_credentials:
    case domain_errc::invalid_signature:
      return 401;
    case domain_errc::payment_declined:
    case domain_errc::insufficient_funds:
      return 402;
    case domain_errc::payment_provider_error:
      return 502;
    default:
      return 422;
  }
}

}  // namespace

http::problem problem_of(const actors::command_error& e) {
  if (e.what == actors::command_error::kind::unavailable)
    return service_unavailable("The node could not complete the request; retry shortly.", 1);
  // The schema's name ("insufficientStock"), not to_string's snake_case: problem types stay stable.
  const auto slug = kebab(domain::wire_name(e.error.code));
  const int status = status_of(e.error.code);
  auto detail = e.error.message.empty() ? title_of(slug) + "." : e.error.message;
  if (e.error.code == domain_errc::forbidden) return not_found();
  if (status == 404) return make_problem(404, "not-found", "Not found", std::move(detail));
  return make_problem(status, slug, title_of(slug), std::move(detail));
}

std::string consistency_token(std::span<const es::position> positions) {
  std::string out;
  for (const auto& p : positions) {
    if (!out.empty()) out.push_back('-');
    out += std::to_string(p.shard.value()) + "." + std::to_string(p.seq.value());
  }
  return out;
}

std::optional<std::vector<es::position>> parse_consistency_token(std::string_view token) {
  std::vector<es::position> out;
  if (token.empty() || token.size() > 4096) return std::nullopt;
  while (!token.empty()) {
    auto dash = token.find('-');
    auto part = token.substr(0, dash);
    token = dash == std::string_view::npos ? std::string_view{} : token.substr(dash + 1);
    auto dot = part.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    std::uint32_t shard = 0;
    std::uint64_t seq = 0;
    auto a = part.substr(0, dot), b = part.substr(dot + 1);
    auto ra = std::from_chars(a.data(), a.data() + a.size(), shard);
    auto rb = std::from_chars(b.data(), b.data() + b.size(), seq);
    if (a.empty() || b.empty() || ra.ec != std::errc{} || ra.ptr != a.data() + a.size() ||
        rb.ec != std::errc{} || rb.ptr != b.data() + b.size())
      return std::nullopt;
    out.push_back(es::position{es::shard_id{shard}, es::shard_seq{seq}});
  }
  return out;
}

header_list token_headers(std::span<const es::position> positions) {
  if (positions.empty()) return {};
  return {{std::string(consistency_header), consistency_token(positions)}};
}

std::optional<nlohmann::json> json_body(const exchange_ptr& ex) {
  auto j = nlohmann::json::parse(ex->req().body, nullptr, false);
  if (j.is_discarded()) {
    ex->fail(malformed_json("The body is not valid JSON."));
    return std::nullopt;
  }
  if (!j.is_object()) {
    ex->fail(validation_failed({{"", "The body must be a JSON object."}}));
    return std::nullopt;
  }
  return j;
}

std::optional<query_schema::parsed> parse_query(const exchange_ptr& ex, const query_schema& schema) {
  query_params params(ex->req().query.begin(), ex->req().query.end());
  auto q = schema.parse(params);
  if (!q) {
    ex->fail(q.error());
    return std::nullopt;
  }
  return std::move(*q);
}

void run_query(api_context& ctx, const exchange_ptr& ex, std::string_view name,
               std::function<void(const std::string& prefix)> query) {
  auto* host = ctx.deps.host;
  if (!host) {
    ex->fail(service_unavailable("Read models are not running on this node.", 5));
    return;
  }
  auto token = ex->req().query_value("consistentWith").value_or(ex->req().header("x-consistency-token"));
  if (token.empty()) {
    query(host->active_prefix(name));
    return;
  }
  auto positions = parse_consistency_token(token);
  if (!positions) {
    ex->fail(invalid_query({{"consistentWith", "Not a consistency token from a command's answer."}}));
    return;
  }
  ctx.workers.post([&ctx, ex, host, name = std::string(name), positions = std::move(*positions),
                    query = std::move(query)] {
    if (ex->answered()) return;
    if (!host->wait_until(name, positions, ctx.options.consistency_wait)) {
      ex->fail(
          service_unavailable("The read model has not caught up with your write yet; retry shortly.", 1));
      return;
    }
    try {
      query(host->active_prefix(name));
    } catch (...) {
      ex->fail(internal_error());
    }
  });
}

void answer_from_read_model(api_context& ctx, const exchange_ptr& ex, std::string_view name,
                            std::vector<es::position> positions,
                            std::function<void(const std::string& prefix)> render) {
  auto* host = ctx.deps.host;
  if (!host) {
    ex->fail(service_unavailable("Read models are not running on this node.", 5));
    return;
  }
  ctx.workers.post([&ctx, ex, host, name = std::string(name), positions = std::move(positions),
                    render = std::move(render)] {
    if (ex->answered()) return;
    if (!positions.empty() && !host->wait_until(name, positions, ctx.options.consistency_wait)) {
      ex->fail(service_unavailable(
          "The change was made, but the read model has not caught up with it yet: GET the resource "
          "shortly to see it.",
          1));
      return;
    }
    try {
      render(host->active_prefix(name));
    } catch (...) {
      ex->fail(internal_error());
    }
  });
}

}  // namespace mercato::http::detail
