// The notification outbox end to end on a real store, a real projection runner and a real
// HTTP receiver on loopback that fails on purpose (500, dropped connection, no answer)
// and then recovers. Backoff is checked by attempt numbers and an injected clock, never
// by how long anything took.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include <mercato/projections/host.hpp>
#include <mercato/projections/outbox.hpp>
#include <mercato/projections/runner.hpp>

#include "projection_fixture.hpp"
#include "wait.hpp"
#include "webhook_receiver.hpp"

using namespace mercato;
using namespace mercato::test;
using namespace std::chrono_literals;
using projections::outbox_deliverer;
using projections::outbox_projection;
using projections::outbox_query;
using reply = webhook_receiver::reply;

namespace {

const std::string secret = "whsec_test";
const std::string prefix =
    projections::key_prefix(outbox_projection::projection_name, outbox_projection::current_version);

/// The NotificationEmitted of order `n` (as the runtime appends it after OrderConfirmed).
domain::notification_emitted note(int n) {
  const auto order = "o-" + std::to_string(n);
  return {domain::notification_id{"ntf-order/" + order + "-2"},
          domain::user_id{"u-" + std::to_string(n % 3)},
          domain::notification_kind::order_confirmed,
          domain::order_id{order},
          "Order " + order + " confirmed",
          "Thank you, \"customer\".\nLine two."};
}

void emit(es::event_store& s, int from, int to) {
  for (int n = from; n < to; ++n) append(s, "order/o-" + std::to_string(n), {domain::any_event{note(n)}});
}

projections::deliverer_options fast_options(std::vector<std::string> urls) {
  projections::deliverer_options o;
  o.webhook_urls = std::move(urls);
  o.secret = secret;
  o.max_attempts = 100;
  o.backoff_initial = 1ms;
  o.backoff_max = 8ms;
  o.timeout = 300ms;
  o.poll_interval = 2ms;
  return o;
}

/// A store with the outbox projection's runner and the deliverer, restartable.
struct rig {
  temp_dir dir;
  std::unique_ptr<es::event_store> store = open_store(dir.path(), 4);
  std::unique_ptr<projections::projection_runner> runner;
  std::unique_ptr<outbox_deliverer> deliverer;

  void start(const projections::deliverer_options& o) {
    projections::runner_options ro;
    ro.poll_wait = 5ms;
    ro.batch_events = 7;  // several batches
    auto r = projections::projection_runner::start(*store,
                                                   std::make_shared<outbox_projection>(o.webhook_urls), ro);
    REQUIRE(r.has_value());
    runner = std::move(*r);
    auto d = outbox_deliverer::start(*store, prefix, o);
    REQUIRE_MESSAGE(d.has_value(), (d ? "" : d.error().message));
    deliverer = std::move(*d);
  }
  void stop() {
    deliverer.reset();
    runner.reset();
  }
  /// Stops and closes the store, then opens it again (a process restart).
  void reopen() {
    stop();
    store.reset();
    store = open_store(dir.path(), 4);
  }
  void caught_up() {
    std::vector<es::position> heads;
    for (std::uint32_t i = 0; i < store->info().shard_count; ++i)
      heads.push_back({es::shard_id{i}, store->shard_head(es::shard_id{i})});
    REQUIRE(runner->wait_until(heads, 30s));
  }
  projections::outbox_counts counts() const {
    auto c = outbox_query(*store, prefix).counts();
    REQUIRE(c.has_value());
    return *c;
  }
  /// Polls the counters until `done` holds (bounded only to fail instead of hanging).
  bool wait_counts(const std::function<bool(const projections::outbox_counts&)>& done) const {
    return wait_until([&] { return done(counts()); });
  }
  /// Waits until the deliverer has scanned `n` more times (progress without a clock).
  void wait_passes(std::uint64_t n) const {
    const auto target = deliverer->stats().passes + n;
    REQUIRE_MESSAGE(wait_until([&] { return deliverer->stats().passes >= target; }, patience, 1ms),
                    "the deliverer stopped scanning at pass " << deliverer->stats().passes);
  }
};

std::set<std::string> expected_ids(int from, int to, const std::vector<std::string>& urls) {
  std::set<std::string> ids;
  for (int n = from; n < to; ++n)
    for (const auto& u : urls) ids.insert(projections::delivery_id(note(n).notification_id.value(), u));
  return ids;
}

std::set<std::string> accepted_ids(const std::vector<webhook_receiver::request>& reqs) {
  std::set<std::string> ids;
  for (const auto& r : reqs)
    if (r.answered == reply::ok) ids.insert(r.delivery_id);
  return ids;
}

/// Every request carries a valid signature and a body whose id is its delivery id; per
/// delivery, attempt numbers run 1, 2, 3, … (after `restarted`, an id may start over at 1
/// once: an aborted POST is not counted).
void check_requests(const std::vector<webhook_receiver::request>& reqs,
                    const std::set<std::string>& expected) {
  std::map<std::string, int> last_attempt;
  for (const auto& r : reqs) {
    INFO(r.delivery_id << " attempt " << r.attempt);
    CHECK(r.signature_ok);
    CHECK(expected.count(r.delivery_id) == 1);
    const auto body = nlohmann::json::parse(r.body);
    CHECK(body.at("id") == r.delivery_id);
    auto& last = last_attempt[r.delivery_id];
    CHECK(r.attempt == last + 1);
    last = r.attempt;
  }
}

}  // namespace

TEST_CASE("signature: HMAC-SHA256 over \"<t>.<body>\", hex, in the documented header form") {
  CHECK(projections::webhook_signature("whsec_test", 1700000000,
                                       R"({"id":"ntf-order/o-1-3:0123456789abcdef"})") ==
        "t=1700000000,v1=b1b68848bb207f14ce996a2e6df625c9fd10e556d3fbe9289d3944c1f88423a3");
  CHECK(projections::endpoint_id("http://a.example/x").size() == 16);
  CHECK(projections::endpoint_id("http://a.example/x") != projections::endpoint_id("http://a.example/y"));
  CHECK(projections::delivery_id("ntf-1", "http://a.example/x") ==
        "ntf-1:" + projections::endpoint_id("http://a.example/x"));
}

TEST_CASE("every notification reaches every endpoint after 500s, dropped connections and timeouts") {
  webhook_receiver rx(secret);
  const std::vector<std::string> urls{rx.url("/a"), rx.url("/b")};
  std::vector<reply> failures(6, reply::error_500);
  failures.insert(failures.end(), 4, reply::close);
  failures.insert(failures.end(), 2, reply::hang);  // the client's 300 ms timeout ends these
  rx.script(failures, reply::ok);

  rig r;
  r.start(fast_options(urls));
  emit(*r.store, 0, 10);
  const auto expected = expected_ids(0, 10, urls);
  REQUIRE(r.wait_counts(
      [&](const auto& c) { return c.delivered == 20 && r.deliverer->stats().delivered == 20; }));

  const auto reqs = rx.requests();
  CHECK(accepted_ids(reqs) == expected);
  check_requests(reqs, expected);
  CHECK(reqs.size() == 20 + failures.size());  // one request per failure, one success each
  const auto st = r.deliverer->stats();
  CHECK(st.attempts == 20 + failures.size());
  CHECK(st.failed == failures.size());
  CHECK(st.delivered == 20);
  CHECK(st.parked == 0);
  const auto c = r.counts();
  CHECK(c.enqueued == 20);
  CHECK(c.parked == 0);
  CHECK(c.pending == 0);

  // The payload: stable fields a receiver can use.
  const auto body = nlohmann::json::parse(reqs.back().body);
  CHECK(body.at("notification_id").get<std::string>().starts_with("ntf-order/o-"));
  CHECK(body.at("kind") == "order_confirmed");
  CHECK(body.at("user_id").get<std::string>().starts_with("u-"));
  CHECK(body.at("order_id").get<std::string>().starts_with("o-"));
  CHECK(body.at("created_at").get<std::string>().ends_with("Z"));
  CHECK(body.at("payload").at("body") == "Thank you, \"customer\".\nLine two.");
}

TEST_CASE("retries back off exponentially up to the cap, then the record is parked; requeue delivers it") {
  webhook_receiver rx(secret);
  rx.script({}, reply::error_500);
  std::atomic<std::int64_t> now{system_now_ns() + 3600'000'000'000};  // every event is due
  auto o = fast_options({rx.url("/hook")});
  o.max_attempts = 4;
  o.backoff_initial = 100ms;
  o.backoff_max = 250ms;
  o.jitter = 0;
  o.clock = [&] { return now.load(); };
  std::vector<std::string> parked_log;  // written on the delivery thread, read after it parked
  std::mutex parked_log_mutex;
  o.on_parked = [&](const projections::outbox_record& rec) {
    std::lock_guard lock(parked_log_mutex);
    parked_log.push_back(rec.id + " " + rec.last_error);
  };

  rig r;
  r.start(o);
  CHECK(r.deliverer->backoff("x", 1) == 100ms);
  CHECK(r.deliverer->backoff("x", 2) == 200ms);
  CHECK(r.deliverer->backoff("x", 3) == 250ms);
  CHECK(r.deliverer->backoff("x", 30) == 250ms);
  emit(*r.store, 0, 1);
  const auto id = *expected_ids(0, 1, o.webhook_urls).begin();

  const std::int64_t ms = 1'000'000;
  const std::int64_t t0 = now;
  const std::int64_t delays[] = {100 * ms, 200 * ms, 250 * ms};
  std::int64_t due = t0;
  for (std::uint32_t attempt = 1; attempt <= 3; ++attempt) {
    CAPTURE(attempt);
    REQUIRE(rx.wait_for([&](const auto& reqs) { return reqs.size() == attempt; }, 30s));
    outbox_query q(*r.store, prefix);
    REQUIRE(r.wait_counts([&](const auto&) {
      auto p = q.pending(10);
      return p && p->size() == 1 && p->front().attempts == attempt;
    }));
    const auto rec = q.pending(10)->front();
    CHECK(rec.id == id);
    CHECK(rec.last_error.starts_with("HTTP 500"));
    CHECK(rec.due_ns == due + delays[attempt - 1]);  // the clock stood still at `due`
    due = rec.due_ns;
    // Not due yet: however often it scans, it does not try again.
    now = due - 1;
    r.wait_passes(5);
    CHECK(rx.requests().size() == attempt);
    now = due;
  }
  // The 4th attempt fails too: parked, with what went wrong.
  REQUIRE(r.wait_counts([](const auto& c) { return c.parked == 1; }));
  CHECK(rx.requests().size() == 4);
  outbox_query q(*r.store, prefix);
  const auto parked = q.parked(0, 10);
  REQUIRE(parked.has_value());
  REQUIRE(parked->size() == 1);
  CHECK(parked->front().id == id);
  CHECK(parked->front().attempts == 4);
  CHECK(parked->front().last_error == "HTTP 500: boom");
  CHECK(q.pending(10)->empty());
  CHECK(r.counts().pending == 0);
  // The thread reports after its commit: wait for it (on_parked runs before the stats move).
  REQUIRE(r.wait_counts([&](const auto&) { return r.deliverer->stats().parked == 1; }));
  {
    std::lock_guard lock(parked_log_mutex);
    CHECK(parked_log == std::vector<std::string>{id + " HTTP 500: boom"});
  }
  now = now + 3600'000'000'000;  // parked stays parked, whatever the time
  r.wait_passes(5);
  CHECK(rx.requests().size() == 4);

  // An operator requeues it once the receiver is fixed: delivered, counting from attempt 1.
  rx.script({}, reply::ok);
  const std::vector<std::string> unknown{"ntf-nope:0123456789abcdef"};
  CHECK(*r.deliverer->requeue(unknown) == 0);
  CHECK(*r.deliverer->requeue_all() == 1);
  REQUIRE(r.wait_counts([](const auto& c) { return c.delivered == 1; }));
  CHECK(rx.requests().back().attempt == 1);
  CHECK(rx.requests().back().answered == reply::ok);
  const auto c = r.counts();
  CHECK(c.parked == 0);
  CHECK(c.pending == 0);
  CHECK(q.parked(0, 10)->empty());
}

TEST_CASE("restart in the middle: nothing is lost, a POST in flight is sent again") {
  webhook_receiver rx(secret);
  rx.script({reply::hang}, reply::error_500);
  auto o = fast_options({rx.url("/hook")});
  o.timeout = 60s;  // the hung POST is still in flight when we stop

  rig r;
  r.start(o);
  emit(*r.store, 0, 5);
  REQUIRE(rx.wait_for([](const auto& reqs) { return reqs.size() == 1; }, 30s));  // one at a time
  const auto in_flight = rx.requests().front().delivery_id;
  r.stop();               // aborts the hung POST
  emit(*r.store, 5, 10);  // appended while nothing projects or delivers
  r.reopen();
  CHECK(r.counts().delivered == 0);

  rx.script({}, reply::ok);
  r.start(o);
  REQUIRE(r.wait_counts([](const auto& c) { return c.delivered == 10; }));
  const auto expected = expected_ids(0, 10, o.webhook_urls);
  const auto reqs = rx.requests();
  CHECK(accepted_ids(reqs) == expected);
  for (const auto& q : reqs) {
    CHECK(q.signature_ok);
    CHECK(expected.count(q.delivery_id) == 1);
  }
  // The aborted POST was not counted: its id was sent again as attempt 1.
  int resent_as_first = 0;
  for (const auto& q : reqs)
    if (q.delivery_id == in_flight && q.attempt == 1) ++resent_as_first;
  CHECK(resent_as_first == 2);
  const auto c = r.counts();
  CHECK(c.enqueued == 10);
  CHECK(c.pending == 0);
  CHECK(c.parked == 0);
  rx.release_hanging();
}

TEST_CASE("no URLs: nothing is enqueued; a removed endpoint's records are parked at start") {
  webhook_receiver rx(secret);
  rig r;
  r.start(fast_options({}));
  emit(*r.store, 0, 3);
  r.caught_up();
  CHECK(r.counts().enqueued == 0);
  r.stop();

  // Webhooks turned on: only notifications from now on are delivered.
  auto a = fast_options({rx.url("/a")});
  r.start(a);
  emit(*r.store, 3, 5);
  REQUIRE(r.wait_counts([](const auto& c) { return c.delivered == 2; }));
  CHECK(accepted_ids(rx.requests()) == expected_ids(3, 5, a.webhook_urls));

  // Two records of /a stay pending (their receiver fails, next try in an hour)…
  rx.script({}, reply::error_500);
  a.backoff_initial = 3600s;
  a.backoff_max = 3600s;
  r.stop();
  r.start(a);
  emit(*r.store, 5, 7);
  REQUIRE(r.wait_counts([&](const auto& c) {
    auto p = outbox_query(*r.store, prefix).pending(10);
    return c.pending == 2 && p && p->size() == 2 && p->front().attempts == 1 && p->back().attempts == 1;
  }));
  CHECK(rx.requests().size() == 4);
  r.stop();

  // …when /a is replaced by /b: they are parked, saying why, and cannot be requeued.
  auto b = fast_options({rx.url("/b")});
  r.start(b);
  const auto c = r.counts();
  CHECK(c.parked == 2);
  CHECK(c.pending == 0);
  const auto parked = outbox_query(*r.store, prefix).parked(0, 10);
  REQUIRE(parked.has_value());
  REQUIRE(parked->size() == 2);
  for (const auto& p : *parked) {
    CHECK(p.url == rx.url("/a"));
    CHECK(p.attempts == 1);
    CHECK(p.last_error == "endpoint is no longer in notifications.webhook_urls");
  }
  CHECK(*r.deliverer->requeue_all() == 0);
  CHECK(outbox_query(*r.store, prefix).parked(1, 10)->size() == 1);
  r.stop();

  // /a configured again: now they can be requeued, one by id, then the rest.
  rx.script({}, reply::ok);
  r.start(fast_options({rx.url("/a"), rx.url("/b")}));
  const std::vector<std::string> first{parked->front().id};
  CHECK(*r.deliverer->requeue(first) == 1);
  CHECK(*r.deliverer->requeue(first) == 0);  // no longer parked
  REQUIRE(r.wait_counts([](const auto& n) { return n.delivered == 3 && n.parked == 1; }));
  CHECK(*r.deliverer->requeue_all() == 1);
  REQUIRE(r.wait_counts([](const auto& n) { return n.delivered == 4 && n.parked == 0 && n.pending == 0; }));
  CHECK(accepted_ids(rx.requests()) == expected_ids(3, 7, a.webhook_urls));
}

TEST_CASE("repeated restarts while notifications flow and the receiver flaps: every delivery arrives") {
  webhook_receiver rx(secret);
  const std::vector<std::string> urls{rx.url("/a"), rx.url("/b")};
  auto o = fast_options(urls);
  rig r;
  constexpr int rounds = 6;
  constexpr int per_round = 8;
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    // Some rounds fail everything, some hang, some succeed.
    rx.script({}, round % 3 == 0 ? reply::error_500 : round % 3 == 1 ? reply::close : reply::ok);
    r.start(o);
    emit(*r.store, round * per_round, (round + 1) * per_round);
    const auto seen = rx.requests().size();
    REQUIRE(rx.wait_for([&](const auto& reqs) { return reqs.size() >= seen + 3; }, 30s));
    if (round % 2 == 0)
      r.reopen();  // a whole process restart
    else
      r.stop();
  }
  rx.script({}, reply::ok);
  r.start(o);
  REQUIRE(
      r.wait_counts([](const auto& c) { return c.delivered == rounds * per_round * 2 && c.pending == 0; }));
  const auto expected = expected_ids(0, rounds * per_round, urls);
  const auto reqs = rx.requests();
  CHECK(accepted_ids(reqs) == expected);
  for (const auto& q : reqs) {
    CHECK(q.signature_ok);
    CHECK(expected.count(q.delivery_id) == 1);  // a duplicate is only ever a known id again
  }
  const auto c = r.counts();
  CHECK(c.enqueued == expected.size());
  CHECK(c.parked == 0);
}

TEST_CASE("the host runs the outbox but refuses to rebuild it (a rebuild would re-deliver the log)") {
  webhook_receiver rx(secret);
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  const std::vector<std::string> urls{rx.url("/hook")};
  auto h = projections::host::start(*s, {std::make_shared<outbox_projection>(urls)});
  REQUIRE(h.has_value());
  const auto active = (*h)->active_prefix(outbox_projection::projection_name);
  auto d = outbox_deliverer::start(*s, active, fast_options(urls));
  REQUIRE(d.has_value());
  emit(*s, 0, 3);
  outbox_query q(*s, active);
  REQUIRE(wait_until([&] { return q.counts()->delivered >= 3; }));
  CHECK(q.counts()->delivered == 3);
  const auto refused = (*h)->rebuild(outbox_projection::projection_name);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == es::store_errc::invalid_argument);
  CHECK((*h)->active_prefix(outbox_projection::projection_name) == active);
  CHECK(accepted_ids(rx.requests()) == expected_ids(0, 3, urls));
}

TEST_CASE("bad options are refused") {
  temp_dir dir;
  auto s = open_store(dir.path(), 2);
  auto o = fast_options({"http://127.0.0.1:9/x"});
  o.secret.clear();
  CHECK_FALSE(outbox_deliverer::start(*s, prefix, o).has_value());
  o = fast_options({"http://127.0.0.1:9/x", "http://127.0.0.1:9/x"});
  CHECK_FALSE(outbox_deliverer::start(*s, prefix, o).has_value());
  o = fast_options({"http://127.0.0.1:9/x"});
  o.backoff_max = 0ms;
  CHECK_FALSE(outbox_deliverer::start(*s, prefix, o).has_value());
  CHECK_FALSE(outbox_deliverer::start(*s, "no-slash", fast_options({})).has_value());
}
