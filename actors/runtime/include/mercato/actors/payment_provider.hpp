#pragma once
// Payment providers behind one interface. The built-in simulated provider follows the
// Stripe-like test tokens (docs/product.md) and can be told to delay or fail, so tests drive every path.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <mercato/domain/payment.hpp>

namespace mercato::actors {

/// A provider's answer, as authorize_payment carries it: approved (with the provider's
/// reference) or declined (with the reason).
using provider_answer = decltype(domain::authorize_payment::answer);

struct authorization_request {
  domain::payment_id payment;  ///< idempotency key at the provider: a repeat gets the first answer
  domain::order_id order;
  domain::money amount;
  std::string token;
};

/// Asynchronous: `done` may run on any thread, once.
class payment_provider {
 public:
  virtual ~payment_provider() = default;
  virtual std::string name() const = 0;
  virtual void authorize(const authorization_request& request, std::function<void(provider_answer)> done) = 0;
};

/// tok_visa (and any tok_* not listed) → approved; tok_chargeDeclined → declined;
/// tok_insufficientFunds → insufficient funds; tokens not starting with "tok_" → invalid
/// token. Answers are remembered per payment id (idempotent like a real provider).
class simulated_provider final : public payment_provider {
 public:
  std::string name() const override { return "simulated"; }
  void authorize(const authorization_request& request, std::function<void(provider_answer)> done) override;

  /// Every answer is delayed by `d` (on a timer thread) from now on.
  void set_delay(std::chrono::milliseconds d);
  /// The next `n` authorizations fail with a provider error.
  void fail_next(int n);
  /// How many authorizations reached the provider (repeats included).
  std::uint64_t calls() const;

 private:
  provider_answer answer_for(const authorization_request& request);
  mutable std::mutex mutex_;
  std::chrono::milliseconds delay_{0};
  int fail_next_ = 0;
  std::uint64_t calls_ = 0;
  std::unordered_map<std::string, provider_answer> answered_;
};

}  // namespace mercato::actors
