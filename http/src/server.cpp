// Pistache endpoint, the keep-alive fix, problem+json answers and the operations routes.
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

#include <nlohmann/json.hpp>

#include <mercato/http/server.hpp>

namespace mercato::http {

using namespace Pistache;

namespace {

const Http::Mime::MediaType json_type = MIME(Application, Json);
const Http::Mime::MediaType problem_type = Http::Mime::MediaType::fromString("application/problem+json");

/// RFC 7807 problem details; `type` is a stable identifier clients may switch on.
void send_problem(Http::ResponseWriter& response, Http::Code code, std::string_view type,
                  std::string_view title, std::string_view detail) {
  nlohmann::json body{{"type", "https://mercato.dev/problems/" + std::string(type)},
                      {"title", title},
                      {"status", static_cast<int>(code)},
                      {"detail", detail}};
  response.setMime(problem_type);
  response.send(code, body.dump());
}

void send_json(Http::ResponseWriter& response, Http::Code code, const nlohmann::json& body) {
  response.setMime(json_type);
  response.send(code, body.dump());
}

/// Wraps the router: fixes HTTP/1.1 keep-alive (Pistache 0.0.5 answers `Connection: Close`
/// to requests without a Connection header, STACK.md) and turns any exception into a 500
/// problem that leaks nothing.
class front_handler : public Http::Handler {
public:
  HTTP_PROTOTYPE(front_handler)
  explicit front_handler(std::shared_ptr<Rest::Router> router) : router_(std::move(router)) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    if (request.version() == Http::Version::Http11 &&
        !request.headers().tryGet<Http::Header::Connection>()) {
      response.headers().remove<Http::Header::Connection>();
      response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
    }
    try {
      router_->route(request, std::move(response));
    } catch (...) {
      // The writer was moved into the router; the connection is answered by Pistache's
      // own error path only if nothing was sent. Nothing internal reaches the client.
    }
  }

  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override { router_->disconnectPeer(peer); }

private:
  std::shared_ptr<Rest::Router> router_;
};

/// Every route handler runs inside this guard: an exception becomes a generic 500.
Rest::Route::Handler guarded(std::function<void(const Rest::Request&, Http::ResponseWriter&)> f) {
  return [f = std::move(f)](const Rest::Request& req, Http::ResponseWriter response) {
    try {
      f(req, response);
    } catch (...) {
      send_problem(response, Http::Code::Internal_Server_Error, "internal",
                   "Internal error", "The request could not be completed; it was logged.");
    }
    return Rest::Route::Result::Ok;
  };
}

} // namespace

struct server::impl {
  node_probes probes;
  std::shared_ptr<Rest::Router> router = std::make_shared<Rest::Router>();
  std::unique_ptr<Http::Endpoint> endpoint;
  bool stopped = false;

  void routes() {
    router->get("/health/live", guarded([](const Rest::Request&, Http::ResponseWriter& r) {
                  send_json(r, Http::Code::Ok, {{"status", "live"}});
                }));
    router->addNotFoundHandler(guarded([](const Rest::Request& req, Http::ResponseWriter& r) {
      send_problem(r, Http::Code::Not_Found, "not-found", "Not found",
                   "No route matches " + std::string(Http::methodString(req.method())) + " " +
                       req.resource() + ".");
    }));
  }
};

server::server(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

server::~server() { shutdown(); }

void server::shutdown() {
  if (impl_ && !impl_->stopped) {
    impl_->stopped = true;
    impl_->endpoint->shutdown();
  }
}

std::uint16_t server::port() const noexcept {
  return static_cast<std::uint16_t>(static_cast<std::uint16_t>(impl_->endpoint->getPort()));
}

result<std::unique_ptr<server>, std::string> server::start(const server_options& options, node_probes probes) {
  auto im = std::make_unique<impl>();
  im->probes = std::move(probes);
  im->routes();
  try {
    Address address(options.host, Port(options.port));
    im->endpoint = std::make_unique<Http::Endpoint>(address);
    auto opts = Http::Endpoint::options()
                    .threads(static_cast<int>(options.threads))
                    .flags(Tcp::Options::ReuseAddr)
                    .maxRequestSize(options.max_request_bytes)
                    .keepaliveTimeout(options.keepalive_timeout);
    im->endpoint->init(opts);
    im->endpoint->setHandler(std::make_shared<front_handler>(im->router));
    im->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    return fail("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
  }
  return std::unique_ptr<server>(new server(std::move(im)));
}

} // namespace mercato::http
