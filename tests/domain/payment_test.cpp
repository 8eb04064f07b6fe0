// Payments: authorize = order total, capture ≤ authorized, void before capture, refunds ≤ captured.
#include <mercato/domain/payment.hpp>

#include "fixtures.hpp"

using namespace mercato::domain;
using namespace mercato::domain::test;
using ps = payment_status;

namespace {

using provider_answer = decltype(authorize_payment::answer);

authorize_payment authorization(provider_answer answer = provider_approved{"auth-1"}) {
  return authorize_payment{payment_id{"pay-1"}, order_id{"o-1"}, user_id{"u-1"}, eur(1000),
                           eur(1000),           "simulated",     "visa",         mask_token("tok_visa"),
                           std::move(answer)};
}

payment_state authorized() {
  payment_state s;
  run(s, authorization());
  return s;
}

payment_state captured(std::int64_t cents = 1000) {
  auto s = authorized();
  run(s, capture_payment{eur(cents), "cap-1"});
  return s;
}

refund_payment refund(const char* id, std::int64_t cents) {
  return refund_payment{refund_id{id}, eur(cents), "ref", "returned"};
}

}  // namespace

TEST_CASE("tokens are stored masked") {
  CHECK(mask_token("tok_visa") == "****visa");
  CHECK(mask_token("abc") == "***");
  CHECK(mask_token("") == "");
}

TEST_CASE("authorize records the request and the provider's approval") {
  payment_state s;
  const auto events = run(s, authorization());
  REQUIRE(events.size() == 2);
  CHECK(std::holds_alternative<payment_authorization_requested>(events[0]));
  CHECK(std::get<payment_authorized>(events[1]).provider_reference == "auth-1");
  CHECK(s.status == ps::authorized);
  CHECK(s.authorized == eur(1000));
  CHECK(s.captured == eur(0));
  CHECK(s.token_masked == "****visa");
}

TEST_CASE("a declined authorization is recorded, not refused") {
  for (auto reason : {payment_failure_reason::declined, payment_failure_reason::insufficient_funds,
                      payment_failure_reason::provider_error}) {
    payment_state s;
    const auto events = run(s, authorization(provider_declined{reason, "no"}));
    REQUIRE(events.size() == 2);
    CHECK(std::get<payment_authorization_failed>(events[1]).reason == reason);
    CHECK(s.status == ps::authorization_failed);
    CHECK(s.failure_reason == reason);
    CHECK(refused(s, capture_payment{eur(1), ""}) == domain_errc::invalid_transition);
    CHECK(refused(s, void_payment{}) == domain_errc::invalid_transition);
  }
  CHECK(errc_of(payment_failure_reason::declined) == domain_errc::payment_declined);
  CHECK(errc_of(payment_failure_reason::insufficient_funds) == domain_errc::insufficient_funds);
  CHECK(errc_of(payment_failure_reason::provider_timeout) == domain_errc::payment_provider_error);
  CHECK(errc_of(payment_failure_reason::invalid_token) == domain_errc::invalid_payment_token);
}

TEST_CASE("authorize refusals") {
  CHECK(refused(authorized(), authorization()) == domain_errc::invalid_transition);
  auto wrong = authorization();
  wrong.amount = eur(999);
  CHECK(refused(payment_state{}, wrong) == domain_errc::amount_mismatch);
  wrong = authorization();
  wrong.amount = usd(1000);
  CHECK(refused(payment_state{}, wrong) == domain_errc::amount_mismatch);
  wrong = authorization();
  wrong.amount = wrong.order_total = eur(-1);
  CHECK(refused(payment_state{}, wrong) == domain_errc::invalid_request);
  wrong = authorization();
  wrong.order_id = order_id{};
  CHECK(refused(payment_state{}, wrong) == domain_errc::invalid_request);
}

TEST_CASE("commands on a missing payment") {
  CHECK(refused(payment_state{}, capture_payment{eur(1), ""}) == domain_errc::payment_not_found);
  CHECK(refused(payment_state{}, void_payment{}) == domain_errc::payment_not_found);
  CHECK(refused(payment_state{}, refund("r-1", 1)) == domain_errc::payment_not_found);
}

TEST_CASE("capture up to the authorized amount, once") {
  auto s = authorized();
  CHECK(refused(s, capture_payment{eur(1001), ""}) == domain_errc::capture_exceeds_authorized);
  CHECK(refused(s, capture_payment{eur(0), ""}) == domain_errc::invalid_request);
  CHECK(refused(s, capture_payment{usd(10), ""}) == domain_errc::currency_mismatch);
  only<payment_captured>(run(s, capture_payment{eur(800), "cap-1"}));
  CHECK(s.status == ps::captured);
  CHECK(s.captured == eur(800));
  CHECK(refused(s, capture_payment{eur(100), ""}) == domain_errc::invalid_transition);
}

TEST_CASE("void only an uncaptured authorization") {
  auto s = authorized();
  CHECK(refused(s, refund("r-1", 1)) == domain_errc::invalid_transition);
  only<payment_voided>(run(s, void_payment{"order cancelled"}));
  CHECK(s.status == ps::voided);
  CHECK(refused(s, void_payment{}) == domain_errc::invalid_transition);
  CHECK(refused(s, capture_payment{eur(1), ""}) == domain_errc::invalid_transition);
  CHECK(refused(s, refund("r-1", 1)) == domain_errc::invalid_transition);
  CHECK(refused(captured(), void_payment{}) == domain_errc::invalid_transition);
}

TEST_CASE("refunds never exceed what was captured") {
  auto s = captured(800);
  CHECK(refused(s, refund("r-1", 801)) == domain_errc::refund_exceeds_captured);
  CHECK(refused(s, refund("r-1", 0)) == domain_errc::invalid_request);
  CHECK(refused(s, refund_payment{refund_id{}, eur(1), "", ""}) == domain_errc::invalid_request);
  CHECK(refused(s, refund_payment{refund_id{"r-1"}, usd(1), "", ""}) == domain_errc::currency_mismatch);
  run(s, refund("r-1", 300));
  CHECK(s.status == ps::partially_refunded);
  CHECK(s.refunded == eur(300));
  CHECK(refused(s, refund("r-2", 501)) == domain_errc::refund_exceeds_captured);
  run(s, refund("r-2", 500));
  CHECK(s.status == ps::refunded);
  CHECK(s.refunded == eur(800));
  CHECK(s.refunds.size() == 2);
  CHECK(refused(s, refund("r-3", 1)) == domain_errc::refund_exceeds_captured);
}

TEST_CASE("a refund id already recorded is a no-op, or refused with another amount") {
  auto s = captured();
  run(s, refund("r-1", 300));
  CHECK(run(s, refund("r-1", 300)).empty());
  CHECK(s.refunded == eur(300));
  CHECK(refused(s, refund("r-1", 200)) == domain_errc::invalid_request);
}
