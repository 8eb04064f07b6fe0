#pragma once
// Threads for the blocking parts of requests (Argon2id verification, bounded read-your-writes
// waits, log reads), so HTTP threads never block on them, and the live feeds' threads.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include <mercato/common/work_pool.hpp>

namespace mercato::http::detail {

/// The one work pool (mercato/common/work_pool.hpp), logging what a task let escape (a task
/// answers its own exchange; an escaped exception is left to the request timeout).
class worker_pool : public mercato::work_pool {
 public:
  explicit worker_pool(unsigned threads)
      : mercato::work_pool(
            threads, [](const std::string& what) { spdlog::error("HTTP worker task failed: {}", what); }) {}
};

/// Threads holding long-poll requests (the live event feed), at most `max` at a time.
/// request_stop() raises the flag every body polls; stop_all() also joins them.
class stream_threads {
 public:
  explicit stream_threads(std::size_t max) : max_(max) {}
  ~stream_threads() { stop_all(); }
  stream_threads(const stream_threads&) = delete;
  stream_threads& operator=(const stream_threads&) = delete;

  /// Runs `body(stop)` on a new thread; false when `max` are running or stopping.
  bool start(std::function<void(const std::atomic<bool>& stop)> body) {
    std::lock_guard lk(mutex_);
    reap();
    if (stop_.load() || running_.size() >= max_) return false;
    auto done = std::make_shared<std::atomic<bool>>(false);
    running_.push_back({std::thread([this, body = std::move(body), done] {
                          try {
                            body(stop_);
                          } catch (...) {
                          }
                          done->store(true);
                        }),
                        done});
    return true;
  }

  void request_stop() { stop_.store(true); }

  void stop_all() {
    std::vector<entry> joining;
    {
      std::lock_guard lk(mutex_);
      stop_.store(true);
      joining.swap(running_);
    }
    for (auto& e : joining) e.thread.join();
  }

  std::size_t running() {
    std::lock_guard lk(mutex_);
    reap();
    return running_.size();
  }

 private:
  struct entry {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void reap() {
    for (auto it = running_.begin(); it != running_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = running_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::size_t max_;
  std::mutex mutex_;
  std::atomic<bool> stop_{false};
  std::vector<entry> running_;
};

}  // namespace mercato::http::detail
