#pragma once

#include "core/stop_signal.hpp"

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace recharged::daemon {

// Turns SIGTERM/SIGINT into a stop request — and SIGHUP into `on_reload`, when one is given — on a dedicated
// thread using sigwait (no work in async signal handlers). Without `on_reload`, SIGHUP keeps its default action.
// The constructor blocks the watched signals in the calling thread, so every thread started after it inherits
// the mask and only the watcher receives them; the destructor ends the watcher and restores the caller's mask.
// Serves `recharged run` (the daemon) and `recharged sandbox`.
class SignalWatcher {
public:
  // For a program that starts threads before it can build the watcher (the daemon builds its parts first):
  // blocks TERM, INT and HUP in the calling thread now, and ignores SIGPIPE. Call it before any other thread.
  static void block_signals();

  explicit SignalWatcher(StopSignal& stop, std::function<void()> on_reload = {});
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The signal that asked us to stop (0 if none yet).
  [[nodiscard]] int stop_signal() const noexcept { return stop_signal_.load(); }

private:
  void loop();

  StopSignal& stop_;
  std::function<void()> on_reload_;
  sigset_t watched_{};
  sigset_t previous_mask_{};
  std::atomic<int> stop_signal_{0};
  std::thread thread_;
};

} // namespace recharged::daemon
