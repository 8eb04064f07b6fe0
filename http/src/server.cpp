// Pistache endpoint and the request pipeline every route goes through:
//   keep-alive fix → request id → draining? → CORS preflight → rate limit → route
//   (404/405) → body limit (413) → content type (415) → authentication (401/403) →
//   handler (exceptions → 500) ; a timer answers 503 for requests nobody answered in time.
// Every exchange is answered exactly once (exchange.hpp); each answer is logged as one
// JSON access line and counted.
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/http_headers.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <mercato/codec/json.hpp>
#include <mercato/common/ids.hpp>
#include <mercato/http/cors.hpp>
#include <mercato/http/jwt.hpp>
#include <mercato/http/rate_limit.hpp>
#include <mercato/http/server.hpp>
#include <mercato/http/validate.hpp>

#include "context.hpp"
#include "router.hpp"

namespace mercato::http {

using namespace Pistache;

namespace {

using detail::exchange;
using detail::exchange_ptr;

/// A response header with a run-time name: Pistache 0.0.5 drops headers added with
/// addRaw(), but writes every typed header of the collection (docs/library-notes.md).
class dynamic_header final : public Http::Header::Header {
 public:
  dynamic_header(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  uint64_t hash() const override { return Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A client's X-Request-Id is kept when it is 1..128 characters of [A-Za-z0-9._:-].
bool acceptable_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '-'))
      return false;
  return true;
}

void parse_query(std::string_view raw, std::map<std::string, std::string>& out) {
  if (!raw.empty() && raw.front() == '?') raw.remove_prefix(1);
  while (!raw.empty()) {
    auto amp = raw.find('&');
    auto pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = detail::percent_decode(pair.substr(0, eq), true);
    auto value =
        eq == std::string_view::npos ? std::string() : detail::percent_decode(pair.substr(eq + 1), true);
    out.emplace(std::move(key), std::move(value));
  }
}

detail::request build_request(const Http::Request& in) {
  detail::request r;
  r.method = Http::methodString(in.method());
  const auto& resource = in.resource();
  auto q = resource.find('?');
  r.path = resource.substr(0, q);
  if (q != std::string::npos) parse_query(std::string_view(resource).substr(q), r.query);
  for (auto it = in.query().parameters_begin(); it != in.query().parameters_end(); ++it)
    r.query.emplace(detail::percent_decode(it->first, true), detail::percent_decode(it->second, true));
  for (const auto& h : in.headers().list()) {
    std::ostringstream os;
    h->write(os);
    r.headers[lower(h->name())] = os.str();
  }
  for (const auto& [name, raw] : in.headers().rawList()) r.headers[lower(name)] = raw.value();
  r.body = in.body();
  r.client_address = in.address().host();
  return r;
}

}  // namespace

struct server::impl {
  impl(api_dependencies deps, api_options api, const server_options& so)
      : ctx(deps, std::move(api), so.max_request_bytes), access_log(spdlog::get("access")) {
    if (!access_log) access_log = spdlog::default_logger();
  }

  detail::api_context ctx;
  detail::route_table routes;
  std::unique_ptr<Http::Endpoint> endpoint;
  std::shared_ptr<spdlog::logger> access_log;
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> in_flight{0};
  bool stopped = false;

  // ---- deadlines: every exchange in order of arrival (same timeout for all) -------------
  std::mutex timer_mutex;
  std::condition_variable timer_cv;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::weak_ptr<exchange>>> deadlines;
  bool timer_stop = false;
  std::thread timer;

  void start_timer() {
    timer = std::thread([this] {
      std::unique_lock lk(timer_mutex);
      while (!timer_stop) {
        timer_cv.wait_for(lk, std::chrono::milliseconds(50));
        const auto now = std::chrono::steady_clock::now();
        std::vector<exchange_ptr> expired;
        while (!deadlines.empty() && (deadlines.front().first <= now || deadlines.front().second.expired())) {
          if (auto ex = deadlines.front().second.lock()) expired.push_back(std::move(ex));
          deadlines.pop_front();
        }
        lk.unlock();
        for (auto& ex : expired)
          ex->fail(service_unavailable("The request did not complete in time; retry shortly.", 1));
        lk.lock();
      }
    });
  }

  void watch(const exchange_ptr& ex) {
    std::lock_guard lk(timer_mutex);
    deadlines.emplace_back(ex->started() + ctx.options.request_timeout, ex);
  }

  // ---- the pipeline -----------------------------------------------------------------------
  void handle(const Http::Request& request, Http::ResponseWriter response) {
    if (request.version() == Http::Version::Http11 && !request.headers().tryGet<Http::Header::Connection>()) {
      response.headers().remove<Http::Header::Connection>();
      response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
    }
    auto writer = std::make_shared<Http::ResponseWriter>(std::move(response));
    detail::request req;
    try {
      req = build_request(request);
    } catch (...) {
      req.method = "?";
      req.path = "?";
    }
    auto rid = req.header("x-request-id");
    if (!acceptable_request_id(rid)) rid = ids::random_id();
    in_flight.fetch_add(1);
    ctx.http_figures.in_flight().add(1);
    auto ex = std::make_shared<exchange>(
        std::move(req), std::move(rid),
        [this, writer](exchange& e, detail::response&& r) { send(*writer, e, std::move(r)); });
    try {
      dispatch(ex);
    } catch (...) {
      spdlog::error("request {}: handler failed with an exception", ex->request_id());
      ex->fail(internal_error());
    }
    if (!ex->answered() && !ex->long_poll) watch(ex);
  }

  static void add_headers(Http::ResponseWriter& w, const exchange& ex, const detail::response& r) {
    w.headers().add(std::make_shared<dynamic_header>("X-Request-Id", ex.request_id()));
    for (auto& [name, value] : r.headers) w.headers().add(std::make_shared<dynamic_header>(name, value));
    if (!r.content_type.empty()) w.setMime(Http::Mime::MediaType::fromString(r.content_type));
  }

  void send(Http::ResponseWriter& w, exchange& ex, detail::response&& r) {
    try {
      add_headers(w, ex, r);
      w.send(static_cast<Http::Code>(r.status), r.body);
    } catch (...) {
      // The client went away or the header was refused: nothing more to do.
    }
    finish(ex, r.status);
  }

  /// Bookkeeping of an answered exchange: metrics, access log, in-flight count.
  void finish(exchange& ex, int status) {
    ex.set_status(status);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started()).count();
    ctx.http_figures.observe(ex.req().method, ex.route, status, seconds);
    ctx.http_figures.in_flight().add(-1);
    log_access(ex);
    in_flight.fetch_sub(1);
  }

  /// One JSON object per request, written directly (no JSON DOM: this runs for every
  /// request). What the client sent (method, path) is escaped byte by byte, so the line is
  /// valid JSON whatever the bytes.
  void log_access(const exchange& ex) {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ex.started())
            .count();
    std::string line;
    line.reserve(256);
    line += R"({"event":"http_request","request_id":)";
    codec::append_json_bytes(line, ex.request_id());
    line += R"(,"method":)";
    codec::append_json_bytes(line, ex.req().method);
    line += R"(,"route":)";
    codec::append_json_bytes(line, ex.route);
    line += R"(,"path":)";
    codec::append_json_bytes(line, ex.req().path);
    fmt::format_to(std::back_inserter(line), R"(,"status":{},"duration_ms":{:.3f},"client":)", ex.status(),
                   static_cast<double>(us) / 1000.0);
    codec::append_json_bytes(line, ex.req().client_address);
    if (ex.who) {
      line += R"(,"user_id":)";
      codec::append_json_bytes(line, ex.who->user_id);
    }
    line += '}';
    access_log->info(line);
  }

  static bool operations_path(std::string_view path) {
    return path == "/metrics" || path == "/openapi.json" || path == "/health" || path.starts_with("/health/");
  }

  void dispatch(const exchange_ptr& ex) {
    const auto& req = ex->req();
    std::optional<std::string_view> origin;
    if (auto it = req.headers.find("origin"); it != req.headers.end()) origin = it->second;
    if (origin)
      for (auto& h : ctx.cors.response_headers(origin)) ex->extra_headers.emplace_back(h.name, h.value);

    if (draining.load()) {
      ex->fail(service_unavailable("The node is shutting down; retry on another node.", 1));
      return;
    }

    std::optional<std::string_view> preflight_method;
    if (auto it = req.headers.find("access-control-request-method"); it != req.headers.end())
      preflight_method = it->second;
    if (cors_policy::is_preflight(req.method, origin, preflight_method)) {
      std::optional<std::string_view> asked_headers;
      if (auto it = req.headers.find("access-control-request-headers"); it != req.headers.end())
        asked_headers = it->second;
      auto answer = ctx.cors.preflight(*origin, *preflight_method, asked_headers);
      ex->route = "preflight";
      ex->extra_headers.clear();
      if (answer.status != 204) {
        auto p = forbidden("This origin, method or header is not allowed cross-origin.");
        detail::response r{p.status, std::string(problem_content_type), render(p), {}};
        for (auto& h : answer.headers) r.headers.emplace_back(h.name, h.value);
        ex->answer(std::move(r));
        return;
      }
      detail::response r{204, "", "", {}};
      for (auto& h : answer.headers) r.headers.emplace_back(h.name, h.value);
      ex->answer(std::move(r));
      return;
    }

    if (!operations_path(req.path)) {
      const auto cls = req.path.starts_with("/api/v1/auth/") ? rate_class::auth : rate_class::general;
      auto decision = ctx.limiter.check(req.client_address, cls);
      if (!decision.allowed) {
        ctx.http_figures.rate_limited(cls == rate_class::auth ? "auth" : "general").inc();
        ex->fail(too_many_requests(decision.retry_after_seconds));
        return;
      }
    }

    auto m = routes.find(req.method, req.path);
    if (!m.route) {
      if (m.allowed.empty()) {
        ex->fail(not_found("No route matches " + req.method + " " + req.path + "."));
      } else {
        ex->fail(method_not_allowed(m.allowed));
      }
      return;
    }
    ex->route = m.route->path;
    ex->mutable_req().params = std::move(m.params);
    if (req.body.size() > ctx.max_body_bytes) {
      ex->fail(payload_too_large(ctx.max_body_bytes));
      return;
    }
    if (!req.body.empty() && !is_json_content_type(req.header("content-type"))) {
      ex->fail(unsupported_media_type());
      return;
    }
    if (m.route->who != detail::access::open) {
      const auto authorization = req.header("authorization");
      auto token = bearer_token(authorization);
      if (!token) {
        ex->fail(unauthorized());
        return;
      }
      auto claims = ctx.jwt.verify(*token);
      if (!claims) {
        spdlog::debug("request {}: token refused ({})", ex->request_id(), to_string(claims.error()));
        ex->fail(unauthorized("The bearer token is invalid or expired."));
        return;
      }
      ex->who = detail::principal{claims->user_id, claims->is_admin()};
      if (m.route->who == detail::access::admin && !claims->is_admin()) {
        ex->fail(forbidden());
        return;
      }
    }
    if (req.method != "GET") {
      const auto key = req.header("idempotency-key");
      if (!valid_idempotency_key(key)) {
        ex->fail(bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters.",
                             {{"Idempotency-Key", "1 to 255 visible ASCII characters"}}));
        return;
      }
    }
    m.route->handler(ex);
  }

  /// Absent (empty) is fine; otherwise 1..255 characters from '!' to '~'.
  static bool valid_idempotency_key(std::string_view key) {
    if (key.size() > 255) return false;
    return std::all_of(key.begin(), key.end(), [](char c) { return c >= '!' && c <= '~'; });
  }

  void drain() {
    draining.store(true);
    const auto until = std::chrono::steady_clock::now() + ctx.options.drain_timeout;
    while (in_flight.load() > 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // Let the reactor put the last answers on the wire.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
};

server::server(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

server::~server() {
  shutdown();
  if (impl_) {
    {
      std::lock_guard lk(impl_->timer_mutex);
      impl_->timer_stop = true;
    }
    impl_->timer_cv.notify_all();
    if (impl_->timer.joinable()) impl_->timer.join();
  }
}

void server::shutdown() {
  if (impl_ && !impl_->stopped) {
    impl_->stopped = true;
    impl_->ctx.streams.request_stop();  // held live-feed requests answer now
    impl_->drain();
    impl_->ctx.streams.stop_all();
    impl_->endpoint->shutdown();
  }
}

std::size_t server::in_flight() const noexcept {
  return impl_->in_flight.load();
}

std::uint16_t server::port() const noexcept {
  return static_cast<std::uint16_t>(static_cast<std::uint16_t>(impl_->endpoint->getPort()));
}

namespace {

class front_handler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(front_handler)
  explicit front_handler(server::impl* im) : impl_(im) {}
  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    impl_->handle(request, std::move(response));
  }

 private:
  server::impl* impl_;
};

}  // namespace

namespace {

void add_all_routes(detail::route_table& t, detail::api_context& ctx) {
  detail::add_operations_routes(t, ctx);
  detail::add_auth_routes(t, ctx);
  detail::add_catalog_routes(t, ctx);
  detail::add_cart_routes(t, ctx);
  detail::add_order_routes(t, ctx);
  detail::add_event_routes(t, ctx);
  detail::add_admin_routes(t, ctx);
}

}  // namespace

std::vector<route_key> server::route_list() {
  api_options api;
  api.jwt.secret = std::string(min_jwt_secret_bytes, 'x');
  api.worker_threads = 1;
  detail::api_context ctx({}, std::move(api), 0);
  detail::route_table t;
  add_all_routes(t, ctx);
  std::vector<route_key> out;
  for (const auto& r : t.routes()) out.push_back({r.method, r.path});
  std::sort(out.begin(), out.end());
  return out;
}

result<std::unique_ptr<server>, std::string> server::start(const server_options& options,
                                                           api_dependencies deps, api_options api) {
  auto im = std::make_unique<impl>(deps, std::move(api), options);
  add_all_routes(im->routes, im->ctx);
  try {
    im->ctx.passwords.start();
  } catch (const std::exception& e) {
    return fail(std::string("cannot check passwords: ") + e.what());
  }
  im->start_timer();
  try {
    Address address(options.host, Port(options.port));
    im->endpoint = std::make_unique<Http::Endpoint>(address);
    // Pistache refuses (413, plain text) requests beyond maxRequestSize; leave room for the
    // headers so a body just over the limit gets our problem+json 413.
    auto opts = Http::Endpoint::options()
                    .threads(static_cast<int>(options.threads))
                    .flags(Tcp::Options::ReuseAddr)
                    .maxRequestSize(options.max_request_bytes + 64 * 1024)
                    .keepaliveTimeout(options.keepalive_timeout);
    im->endpoint->init(opts);
    im->endpoint->setHandler(std::make_shared<front_handler>(im.get()));
    im->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    {
      std::lock_guard lk(im->timer_mutex);
      im->timer_stop = true;
    }
    im->timer_cv.notify_all();
    im->timer.join();
    return fail("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
  }
  return std::unique_ptr<server>(new server(std::move(im)));
}

}  // namespace mercato::http
