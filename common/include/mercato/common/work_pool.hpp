#pragma once
// A small pool of threads for work that must not run where it was asked for: on the actor
// runtime, rehydration reads, snapshot writes and idempotency lookups (never on a CAF
// thread); in the HTTP front, password verification, bounded read-your-writes waits and log
// reads (never on an HTTP thread). One implementation for both.
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mercato {

class work_pool {
 public:
  /// `on_error(what)` is told about a job that threw (the job is dropped, the thread lives
  /// on); by default such exceptions are swallowed.
  explicit work_pool(unsigned threads, std::function<void(const std::string&)> on_error = {})
      : on_error_(std::move(on_error)) {
    if (threads == 0) threads = 1;
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  /// Runs every job already posted, then joins.
  ~work_pool() { close(); }
  work_pool(const work_pool&) = delete;
  work_pool& operator=(const work_pool&) = delete;

  /// Stops accepting jobs (later posts are dropped), runs those already posted, joins.
  /// Idempotent.
  void close() {
    {
      std::lock_guard lk(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  /// Queues `job`; returns false (and drops it) once the pool is closed.
  bool post(std::function<void()> job) {
    {
      std::lock_guard lk(mutex_);
      if (stopping_) return false;
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lk(mutex_);
        cv_.wait(lk, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      try {
        job();
      } catch (const std::exception& e) {
        if (on_error_) on_error_(e.what());
      } catch (...) {
        if (on_error_) on_error_("unknown exception");
      }
    }
  }

  std::function<void(const std::string&)> on_error_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mercato
