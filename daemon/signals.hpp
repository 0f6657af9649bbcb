#pragma once

#include "core/stop_signal.hpp"

#include <atomic>
#include <functional>
#include <thread>

namespace recharged::daemon {

// Turns SIGTERM/SIGINT into a stop request and SIGHUP into a reload callback, on a dedicated thread using
// sigwait (no work in async signal handlers). block_signals() must run before any other thread starts, so
// every thread inherits the mask and only the watcher receives these signals.
class SignalWatcher {
public:
  static void block_signals();

  SignalWatcher(StopSignal& stop, std::function<void()> on_reload);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The signal that asked us to stop (0 if none yet).
  [[nodiscard]] int stop_signal() const noexcept { return stop_signal_.load(); }

private:
  void loop();

  StopSignal& stop_;
  std::function<void()> on_reload_;
  std::atomic<int> stop_signal_{0};
  std::thread thread_;
};

} // namespace recharged::daemon
