#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace recharged {

// A shared "please stop" flag that also wakes anyone waiting on it, so every wait in the daemon ends at
// once on SIGTERM. `wake()` interrupts waits without stopping (used when new work arrives); a wake() that
// finds nobody waiting is kept and ends the next wait at once, so work announced just before a wait is
// never slept through. Thread-safe. request_stop() is not async-signal-safe, so no signal handler calls it: the
// daemon takes SIGTERM/SIGINT/SIGHUP on a sigwait() thread (daemon/signals.cpp) that does.
class StopSignal {
public:
  void request_stop();
  [[nodiscard]] bool stop_requested() const noexcept { return stopped_.load(std::memory_order_acquire); }
  void wake();

  // Waits on the real (steady) clock; returns false when stop was requested before the deadline passed.
  bool wait_until(std::chrono::steady_clock::time_point deadline);
  bool wait_for(std::chrono::steady_clock::duration d) { return wait_until(std::chrono::steady_clock::now() + d); }

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopped_{false};
  unsigned long wakes_ = 0;
  int waiting_ = 0;          // threads inside wait_until
  bool pending_wake_ = false; // a wake() that found nobody waiting
};

} // namespace recharged
