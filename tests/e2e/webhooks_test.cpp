// Notification webhooks through the real node (docs/webhooks.md): a checkout's
// notification is POSTed, signed, to a receiver on loopback; when the node is killed with
// SIGKILL while that POST hangs, the restarted node sends it again with the same delivery
// id; a later notification (order shipped) follows.
#include <signal.h>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "api_support.hpp"
#include "webhook_receiver.hpp"

using namespace mercato::test;
using namespace std::chrono_literals;
using reply = webhook_receiver::reply;

namespace {

const std::string secret = "e2e-webhook-secret";

std::map<std::string, std::string> webhook_env(const webhook_receiver& rx) {
  return api_env({{"MERCATO_NOTIFICATIONS_WEBHOOK_URLS", rx.url("/hooks/mercato")},
                  {"MERCATO_NOTIFICATIONS_WEBHOOK_SECRET", secret},
                  {"MERCATO_NOTIFICATIONS_TIMEOUT_MS", "60000"},  // a hung POST stays in flight
                  {"MERCATO_NOTIFICATIONS_BACKOFF_INITIAL_MS", "10"},
                  {"MERCATO_NOTIFICATIONS_BACKOFF_MAX_MS", "50"}});
}

bool has_ok(const std::vector<webhook_receiver::request>& reqs, const std::string& kind) {
  for (const auto& r : reqs)
    if (r.answered == reply::ok && nlohmann::json::parse(r.body).at("kind") == kind) return true;
  return false;
}

}  // namespace

TEST_CASE("a checkout's notification survives SIGKILL mid-POST and arrives signed, with a stable id") {
  webhook_receiver rx(secret);
  rx.script({reply::hang}, reply::ok);
  temp_dir dir;
  std::string order_id;
  {
    node_process node(dir / "data", dir / "node1.log", {}, webhook_env(rx));
    REQUIRE(node.proc.wait_for_output("delivering notifications to 1 webhook URL(s)", 10s));
    api_client api(node.port);
    const auto token = api.login("test@example.com");
    REQUIRE(api.post("/api/v1/cart/items", {{"productId", "prod-001"}, {"quantity", 1}}, token).status() ==
            201);
    auto order = api.post("/api/v1/cart/checkout", {{"paymentToken", "tok_visa"}}, token);
    REQUIRE(order.status() == 201);
    order_id = order.data()["id"].get<std::string>();
    REQUIRE(rx.wait_for([](const auto& reqs) { return reqs.size() == 1; }, 30s));  // now hanging
    node.proc.signal(SIGKILL);
    REQUIRE(node.proc.wait(10s).has_value());
  }
  const auto hung = rx.requests().front();
  CHECK(hung.answered == reply::hang);

  node_process node(dir / "data", dir / "node2.log", {}, webhook_env(rx));
  REQUIRE(rx.wait_for([](const auto& reqs) { return reqs.size() >= 2 && reqs.back().answered == reply::ok; },
                      30s));
  const auto again = rx.requests().back();
  CHECK(again.delivery_id == hung.delivery_id);
  CHECK(again.body == hung.body);  // the same bytes on every attempt
  CHECK(again.signature_ok);
  CHECK(again.path == "/hooks/mercato");
  const auto body = nlohmann::json::parse(again.body);
  CHECK(body.at("id") == again.delivery_id);
  CHECK(body.at("kind") == "order_confirmed");
  CHECK(body.at("order_id") == order_id);
  CHECK(body.at("notification_id").get<std::string>().starts_with("ntf-"));

  // A later notification of the same order follows.
  api_client api(node.port);
  const auto admin = mint_token("admin-1", "admin");
  REQUIRE(api.post("/api/v1/orders/" + order_id + "/ship", {{"trackingNumber", "TRK-1"}, {"carrier", "DHL"}},
                   admin)
              .status() == 200);
  REQUIRE(rx.wait_for([](const auto& reqs) { return has_ok(reqs, "order_shipped"); }, 30s));
  for (const auto& r : rx.requests()) CHECK(r.signature_ok);
  rx.release_hanging();
}
