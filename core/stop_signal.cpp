#include "core/stop_signal.hpp"

#include <utility>

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
    if (waiting_ == 0) pending_wake_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (std::exchange(pending_wake_, false)) return !stopped_.load(std::memory_order_acquire);
  const auto wakes = wakes_;
  ++waiting_;
  cv_.wait_until(lock, deadline, [&] { return stopped_.load(std::memory_order_acquire) || wakes_ != wakes; });
  --waiting_;
  return !stopped_.load(std::memory_order_acquire);
}

} // namespace recharged
