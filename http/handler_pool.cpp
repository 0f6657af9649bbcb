#include "http/handler_pool.hpp"

#include <algorithm>

namespace recharged::http {

HandlerPool::HandlerPool(std::size_t threads) {
  threads = std::max<std::size_t>(threads, 1);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

HandlerPool::~HandlerPool() { drain_and_join(); }

void HandlerPool::submit(Job job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Queued{std::move(job), std::chrono::steady_clock::now()});
      cv_.notify_one();
      return;
    }
  }
  job(); // after drain_and_join: nobody else would run it
}

void HandlerPool::drain_and_join() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

std::size_t HandlerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::size_t HandlerPool::busy() const {
  std::lock_guard lock(mu_);
  return busy_;
}

std::chrono::steady_clock::duration HandlerPool::oldest_wait() const {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return {};
  return std::chrono::steady_clock::now() - queue_.front().since;
}

void HandlerPool::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return; // stopping, and nothing left to run
    Job job = std::move(queue_.front().job);
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    job();
    job = nullptr; // release what the job holds before counting it done
    lock.lock();
    --busy_;
  }
}

} // namespace recharged::http
