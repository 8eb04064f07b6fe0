// Appending: atomicity, optimistic concurrency, positions, idempotency, bad requests.
#include <future>

#include <mercato/eventstore/envelope.hpp>

#include "store_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using es::expected_version;

TEST_CASE("appends assign stream versions, shard sequences and global positions") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  auto r1 = s->append(request("cart-1", expected_version::no_stream(), {"a", "b"}));
  REQUIRE(r1);
  CHECK(r1->first.value() == 1);
  CHECK(r1->last.value() == 2);
  CHECK(r1->first_global.value() == 1);
  REQUIRE(r1->positions.size() == 2);
  const auto shard = s->shard_of(sid("cart-1"));
  CHECK(r1->positions[0] == es::position{shard, es::shard_seq{1}});
  CHECK(r1->positions[1] == es::position{shard, es::shard_seq{2}});
  CHECK_FALSE(r1->replayed);

  auto r2 = s->append(request("cart-1", expected_version::exactly(es::stream_version{2}), {"c"}));
  REQUIRE(r2);
  CHECK(r2->first.value() == 3);
  CHECK(r2->first_global.value() == 3);
  CHECK(s->stream_head(sid("cart-1"))->value() == 3);
  CHECK(s->shard_head(shard).value() == 3);
  CHECK(s->global_head().value() == 3);
}

TEST_CASE("a version conflict is a value and writes nothing") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  REQUIRE(s->append(request("order-1", expected_version::no_stream(), {"a"})));

  auto again = s->append(request("order-1", expected_version::no_stream(), {"b"}));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == es::append_errc::wrong_expected_version);
  CHECK(again.error().actual.value() == 1);

  auto stale = s->append(request("order-1", expected_version::exactly(es::stream_version{0}), {"b"}));
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == es::append_errc::wrong_expected_version);

  auto ahead = s->append(request("order-1", expected_version::exactly(es::stream_version{5}), {"b"}));
  REQUIRE_FALSE(ahead);

  CHECK(s->stream_head(sid("order-1"))->value() == 1);
  CHECK(s->global_head().value() == 1);
  auto any = s->append(request("order-1", expected_version::any(), {"b"}));
  REQUIRE(any);
  CHECK(any->first.value() == 2);
}

TEST_CASE("a failing request in a batch fails alone; the others commit") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  REQUIRE(s->append(request("p-1", expected_version::no_stream(), {"x"})));

  // Queue many requests at once so that they share batches; every third one conflicts.
  std::vector<std::future<es::append_result>> futures;
  std::vector<std::shared_ptr<std::promise<es::append_result>>> promises;
  for (int i = 0; i < 300; ++i) {
    auto p = std::make_shared<std::promise<es::append_result>>();
    futures.push_back(p->get_future());
    auto exp = i % 3 == 0 ? expected_version::no_stream() : expected_version::any();
    s->append_async(request(i % 3 == 0 ? "p-1" : "q-" + std::to_string(i), exp, {"m" + std::to_string(i)}),
                    [p](es::append_result r) { p->set_value(std::move(r)); });
  }
  int ok = 0, conflicts = 0;
  for (auto& f : futures) {
    auto r = f.get();
    if (r)
      ++ok;
    else if (r.error().code == es::append_errc::wrong_expected_version)
      ++conflicts;
  }
  CHECK(ok == 200);
  CHECK(conflicts == 100);
  CHECK(s->global_head().value() == 201);
  CHECK(s->stream_head(sid("p-1"))->value() == 1);
}

TEST_CASE("an idempotency key returns the first result and appends nothing, across restarts") {
  temp_dir dir;
  auto o = options_for(dir.path());
  es::append_ok first;
  {
    auto s = open_store(o);
    auto req = request("cart-9", expected_version::no_stream(), {"a", "b"});
    req.idempotency_key = "key-1";
    auto r = s->append(req);
    REQUIRE(r);
    first = *r;
    auto again = s->append(request("cart-9", expected_version::no_stream(), {"a", "b"}));
    CHECK_FALSE(again);  // without the key it is a new command, and conflicts

    auto req2 = request("cart-9", expected_version::no_stream(), {"a", "b"});
    req2.idempotency_key = "key-1";
    auto replay = s->append(req2);
    REQUIRE(replay);
    CHECK(replay->replayed);
    CHECK(replay->first == first.first);
    CHECK(replay->last == first.last);
    CHECK(replay->positions == first.positions);
    CHECK(s->global_head().value() == 2);
  }
  auto s = open_store(o);
  auto req = request("cart-9", expected_version::exactly(es::stream_version{7}), {"zzz"});
  req.idempotency_key = "key-1";
  auto replay = s->append(req);
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->positions == first.positions);
  CHECK(s->global_head().value() == 2);
  // The key is scoped to its stream.
  auto other = request("cart-10", expected_version::no_stream(), {"c"});
  other.idempotency_key = "key-1";
  auto o2 = s->append(other);
  REQUIRE(o2);
  CHECK_FALSE(o2->replayed);
}

TEST_CASE("duplicate idempotency keys inside one batch commit once") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  std::vector<std::future<es::append_result>> futures;
  for (int i = 0; i < 50; ++i) {
    auto p = std::make_shared<std::promise<es::append_result>>();
    futures.push_back(p->get_future());
    auto req = request("cart-dup", expected_version::any(), {"a"});
    req.idempotency_key = "same";
    s->append_async(std::move(req), [p](es::append_result r) { p->set_value(std::move(r)); });
  }
  int fresh = 0;
  for (auto& f : futures) {
    auto r = f.get();
    REQUIRE(r);
    CHECK(r->first.value() == 1);
    if (!r->replayed) ++fresh;
  }
  CHECK(fresh == 1);
  CHECK(s->stream_head(sid("cart-dup"))->value() == 1);
}

TEST_CASE("malformed requests are refused and write nothing") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  SUBCASE("no events") {
    auto r = s->append(es::append_request{sid("x"), expected_version::any(), {}, {}, {}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == es::append_errc::invalid_request);
  }
  SUBCASE("event without type") {
    auto req = request("x", expected_version::any(), {"a"});
    req.events[0].type.clear();
    CHECK(s->append(req).error().code == es::append_errc::invalid_request);
  }
  SUBCASE("payload that is not a Cap'n Proto message") {
    auto req = request("x", expected_version::any(), {"a", "b"});
    req.events[1].payload = std::string(64, '\xff');
    auto r = s->append(req);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == es::append_errc::invalid_request);
  }
  SUBCASE("payload of wrong length") {
    auto req = request("x", expected_version::any(), {"a"});
    req.events[0].payload += "abc";
    CHECK(s->append(req).error().code == es::append_errc::invalid_request);
  }
  SUBCASE("too many events") {
    es::append_request req{sid("x"), expected_version::any(), {}, {}, {}};
    for (int i = 0; i < 1001; ++i) req.events.push_back(sample_event("e"));
    CHECK(s->append(req).error().code == es::append_errc::invalid_request);
  }
  CHECK(s->global_head().value() == 0);
  CHECK(s->stream_head(sid("x"))->value() == 0);
  // The store still works afterwards.
  CHECK(s->append(request("x", expected_version::any(), {"ok"})));
}

TEST_CASE("stream ids are validated") {
  CHECK_FALSE(es::stream_id::make(""));
  CHECK_FALSE(es::stream_id::make(std::string("a\0b", 3)));
  CHECK_FALSE(es::stream_id::make(std::string(257, 'a')));
  CHECK(es::stream_id::make("cart-\xc3\xa9"));
}

TEST_CASE("envelopes carry metadata") {
  temp_dir dir;
  int64_t fake_now = 1'700'000'000'000'000'000;
  auto o = options_for(dir.path());
  o.clock = [&] { return fake_now; };
  auto s = open_store(o);
  auto req = request("user-1", expected_version::no_stream(), {"a"});
  req.correlation_id = "req-42";
  req.idempotency_key = "idem";
  req.events[0].causation_id = "cmd-7";
  REQUIRE(s->append(req));
  fake_now -= 5;  // a clock going backwards never makes timestamps decrease
  REQUIRE(s->append(request("user-1", expected_version::any(), {"b"})));
  auto events = s->read_stream(sid("user-1"), es::stream_version{1}, es::read_direction::forward, 10);
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  const auto& e = events->front();
  CHECK(e.type == "CartItemAdded");
  CHECK(e.stream == "user-1");
  CHECK(e.timestamp_ns == 1'700'000'000'000'000'000);
  CHECK((*events)[1].timestamp_ns >= e.timestamp_ns);
  es::envelope_reader r(e);
  CHECK(std::string(r.envelope().getCorrelationId().cStr()) == "req-42");
  CHECK(std::string(r.envelope().getCausationId().cStr()) == "cmd-7");
  CHECK(std::string(r.envelope().getIdempotencyKey().cStr()) == "idem");
  CHECK(std::string(r.envelope().getNodeId().cStr()) == "node-1");
  CHECK(r.envelope().getShard() == s->shard_of(sid("user-1")).value());
  // The event itself is opaque: its schema id and bytes come back exactly as appended.
  CHECK(r.schema_id() == req.events[0].schema_id);
  CHECK(r.payload() == req.events[0].payload);
  CHECK_FALSE(r.has_legacy_event());
  CHECK(marker_of(e) == "a");
}

TEST_CASE("index updates commit with the events, and only with them") {
  temp_dir dir;
  auto s = open_store(options_for(dir.path()));
  auto req = request("checkout-1", expected_version::no_stream(), {"a"});
  req.index_updates.push_back({"open/checkout-1", std::string("1")});
  REQUIRE(s->append(req));
  CHECK(*s->load_projection("open/checkout-1").value() == "1");

  auto refused = request("checkout-1", expected_version::no_stream(), {"b"});  // conflicts
  refused.index_updates.push_back({"open/checkout-1", std::nullopt});
  refused.index_updates.push_back({"open/other", std::string("x")});
  CHECK_FALSE(s->append(refused));
  CHECK(s->load_projection("open/checkout-1")->has_value());
  CHECK_FALSE(s->load_projection("open/other")->has_value());

  auto done = request("checkout-1", expected_version::exactly(es::stream_version{1}), {"c"});
  done.index_updates.push_back({"open/checkout-1", std::nullopt});
  REQUIRE(s->append(done));
  CHECK_FALSE(s->load_projection("open/checkout-1")->has_value());
}

TEST_CASE("find_idempotent returns the first result with its commit time") {
  temp_dir dir;
  std::int64_t now = 5'000'000'000;
  auto o = options_for(dir.path());
  o.clock = [&] { return now; };
  auto s = open_store(o);
  CHECK_FALSE(s->find_idempotent(sid("c"), "k")->has_value());
  auto req = request("c", expected_version::any(), {"a", "b"});
  req.idempotency_key = "k";
  auto first = s->append(req);
  REQUIRE(first);
  CHECK(first->timestamp_ns == 5'000'000'000);
  auto found = s->find_idempotent(sid("c"), "k");
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->positions == first->positions);
  CHECK((*found)->timestamp_ns == 5'000'000'000);
  CHECK((*found)->replayed);
}
