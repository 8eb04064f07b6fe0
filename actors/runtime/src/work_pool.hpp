#pragma once
// A small pool of threads for work that must not run on CAF's workers: rehydration reads,
// snapshot writes (fsync) and password hashing.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mercato::actors {

class work_pool {
 public:
  explicit work_pool(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  /// Runs every job already posted, then joins.
  ~work_pool() { close(); }

  /// Stops accepting jobs (later posts are dropped), runs those already posted, joins.
  void close() {
    {
      std::lock_guard lk(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  work_pool(const work_pool&) = delete;
  work_pool& operator=(const work_pool&) = delete;

  /// Returns false (and drops the job) once the pool is closed.
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
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mercato::actors
