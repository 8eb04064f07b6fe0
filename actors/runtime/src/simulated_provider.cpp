#include <thread>

#include <mercato/actors/payment_provider.hpp>

namespace mercato::actors {

provider_answer simulated_provider::answer_for(const authorization_request& r) {
  std::lock_guard lk(mutex_);
  ++calls_;
  if (auto it = answered_.find(r.payment.value()); it != answered_.end()) return it->second;
  provider_answer a;
  if (fail_next_ > 0) {
    --fail_next_;
    a = domain::provider_declined{domain::payment_failure_reason::provider_error,
                                  "simulated provider failure"};
  } else if (r.token.rfind("tok_", 0) != 0) {
    a = domain::provider_declined{domain::payment_failure_reason::invalid_token, "unknown payment token"};
  } else if (r.token == "tok_chargeDeclined") {
    a = domain::provider_declined{domain::payment_failure_reason::declined, "your card was declined"};
  } else if (r.token == "tok_insufficientFunds") {
    a = domain::provider_declined{domain::payment_failure_reason::insufficient_funds,
                                  "your card has insufficient funds"};
  } else {
    a = domain::provider_approved{"sim_" + r.payment.value()};
  }
  answered_.emplace(r.payment.value(), a);
  return a;
}

void simulated_provider::authorize(const authorization_request& request,
                                   std::function<void(provider_answer)> done) {
  auto answer = answer_for(request);
  std::chrono::milliseconds delay;
  {
    std::lock_guard lk(mutex_);
    delay = delay_;
  }
  if (delay.count() == 0) return done(std::move(answer));
  std::thread([delay, answer = std::move(answer), done = std::move(done)]() mutable {
    std::this_thread::sleep_for(delay);
    done(std::move(answer));
  }).detach();
}

void simulated_provider::set_delay(std::chrono::milliseconds d) {
  std::lock_guard lk(mutex_);
  delay_ = d;
}

void simulated_provider::fail_next(int n) {
  std::lock_guard lk(mutex_);
  fail_next_ = n;
}

std::uint64_t simulated_provider::calls() const {
  std::lock_guard lk(mutex_);
  return calls_;
}

}  // namespace mercato::actors
