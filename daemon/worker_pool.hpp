#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace recharged::daemon {

// A fixed number of threads running submitted tasks in order. Its size is the daemon's concurrency limit
// (API calls in flight). join() lets queued and running tasks finish. Thread-safe.
class WorkerPool {
public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> task);
  // Tasks queued or running.
  [[nodiscard]] std::size_t busy() const;
  [[nodiscard]] std::size_t size() const noexcept { return threads_.size(); }
  void join();

private:
  void loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::size_t running_ = 0;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

} // namespace recharged::daemon
