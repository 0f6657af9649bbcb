#include "core/stop_signal.hpp"

namespace recharged {

void StopSignal::request_stop() {
  {
    std::lock_guard lock(mu_);
    stopped_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

void StopSignal::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

bool StopSignal::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  const auto wakes = wakes_;
  cv_.wait_until(lock, deadline, [&] { return stopped_.load(std::memory_order_acquire) || wakes_ != wakes; });
  return !stopped_.load(std::memory_order_acquire);
}

} // namespace recharged
