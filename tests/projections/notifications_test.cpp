// The notifications read model: each user's inbox, newest first, paged.
#include <mercato/projections/notifications.hpp>

#include "read_model_fixture.hpp"

using namespace mercato;
using namespace mercato::test;
using projections::notifications_projection;
using projections::notifications_query;
using projections::page_request;
using ids = std::vector<std::string>;

namespace {

projections::page<projections::notification_view> inbox(const es::event_store& s, const std::string& user,
                                                        page_request p = {}) {
  auto r = notifications_query(s, projections::default_prefix<notifications_projection>()).inbox(user, p);
  REQUIRE(r.has_value());
  return std::move(*r);
}

}  // namespace

TEST_CASE("the inbox lists a user's notifications newest first, from order and payment streams") {
  temp_dir dir;
  clocked_store cs(dir.path());
  cs.at(day0_ns + 10, "order/o1", {domain::order_confirmed{domain::order_id{"o1"}}, note("n1", "u1", "o1")});
  cs.at(day0_ns + 20, "order/o1", {note("n2", "u1", "o1", domain::notification_kind::order_shipped)});
  cs.at(day0_ns + 25, "order/o9", {note("n9", "u2", "o9")});
  cs.at(day0_ns + 30, "payment/pay2",
        {domain::payment_authorization_failed{domain::payment_id{"pay2"}, domain::order_id{"o2"},
                                              domain::payment_failure_reason::declined, "no"},
         note("n3", "u1", "o2", domain::notification_kind::payment_failed)});
  auto runner = fold_all<notifications_projection>(*cs.store);

  auto all = inbox(*cs.store, "u1");
  CHECK(all.total == 3);
  CHECK(ids_of(all.items) == ids{"n3", "n2", "n1"});
  const auto& n3 = all.items[0];
  CHECK(n3.user_id == "u1");
  CHECK(n3.kind == domain::notification_kind::payment_failed);
  CHECK(domain::to_string(n3.kind) == "payment_failed");
  CHECK(n3.order_id == "o2");
  CHECK(n3.subject == "subject n3");
  CHECK(n3.body == "body n3");
  CHECK(n3.created_ns == day0_ns + 30);
  CHECK(n3.stream == "payment/pay2");
  CHECK(n3.version == 2);

  // Another user's notifications never show; a user without any has an empty inbox.
  CHECK(ids_of(inbox(*cs.store, "u2").items) == ids{"n9"});
  auto none = inbox(*cs.store, "u3");
  CHECK(none.items.empty());
  CHECK(none.total == 0);
  // A user id that is a prefix of another's sees nothing of it.
  CHECK(inbox(*cs.store, "u").total == 0);
}

TEST_CASE("inbox paging: first, last, past the end, size bounds") {
  temp_dir dir;
  clocked_store cs(dir.path());
  for (int i = 1; i <= 5; ++i)
    cs.at(day0_ns + i, "order/o" + std::to_string(i),
          {note("n" + std::to_string(i), "u1", "o" + std::to_string(i))});
  auto runner = fold_all<notifications_projection>(*cs.store);

  CHECK(ids_of(inbox(*cs.store, "u1", {0, 2}).items) == ids{"n5", "n4"});
  CHECK(ids_of(inbox(*cs.store, "u1", {1, 2}).items) == ids{"n3", "n2"});
  auto last = inbox(*cs.store, "u1", {2, 2});
  CHECK(ids_of(last.items) == ids{"n1"});
  CHECK(last.total == 5);
  CHECK(last.page == 2);
  CHECK(last.size == 2);
  auto past = inbox(*cs.store, "u1", {3, 2});
  CHECK(past.items.empty());
  CHECK(past.total == 5);
  CHECK(inbox(*cs.store, "u1", {0, projections::max_page_size}).items.size() == 5);

  notifications_query q(*cs.store, projections::default_prefix<notifications_projection>());
  auto zero = q.inbox("u1", {0, 0});
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == es::store_errc::invalid_argument);
  CHECK_FALSE(q.inbox("u1", {0, projections::max_page_size + 1}).has_value());
  CHECK_FALSE(q.inbox("", {}).has_value());
  CHECK_FALSE(q.inbox(std::string("u1\0", 3), {}).has_value());
}
