#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace recharged::http {

// A fixed number of threads running jobs in arrival order. Jobs may block (a handler waiting for a lock, a held
// answer); the queue shows how long the oldest job has waited for a thread. Thread-safe.
class HandlerPool {
public:
  using Job = std::function<void()>;

  explicit HandlerPool(std::size_t threads);
  ~HandlerPool(); // drain_and_join()
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  void submit(Job job);
  // Runs every job already submitted, then joins the threads; later submits run on the caller's thread.
  void drain_and_join();

  [[nodiscard]] std::size_t queued() const;
  [[nodiscard]] std::size_t busy() const;
  // How long the oldest queued job has waited (zero when none waits).
  [[nodiscard]] std::chrono::steady_clock::duration oldest_wait() const;

private:
  struct Queued {
    Job job;
    std::chrono::steady_clock::time_point since;
  };
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace recharged::http
