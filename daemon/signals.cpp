#include "daemon/signals.hpp"

#include <pthread.h>

namespace recharged::daemon {
namespace {

// SIGUSR2 is internal: the destructor sends it to end the watcher thread.
sigset_t watched(bool reload) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (reload) sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR2);
  return set;
}

} // namespace

void SignalWatcher::block_signals() {
  const sigset_t set = watched(true);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

SignalWatcher::SignalWatcher(StopSignal& stop, std::function<void()> on_reload)
    : stop_(stop), on_reload_(std::move(on_reload)), watched_(watched(static_cast<bool>(on_reload_))) {
  pthread_sigmask(SIG_BLOCK, &watched_, &previous_mask_); // before the thread starts: it inherits the mask
  thread_ = std::thread([this] { loop(); });
}

SignalWatcher::~SignalWatcher() {
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalWatcher::loop() {
  for (;;) {
    int sig = 0;
    if (sigwait(&watched_, &sig) != 0) continue;
    if (sig == SIGUSR2) return;
    if (sig == SIGHUP) {
      on_reload_();
      continue;
    }
    int expected = 0;
    stop_signal_.compare_exchange_strong(expected, sig);
    stop_.request_stop();
  }
}

} // namespace recharged::daemon
