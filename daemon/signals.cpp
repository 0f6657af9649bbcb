#include "daemon/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace recharged::daemon {
namespace {

// SIGUSR2 is internal: the destructor sends it to end the watcher thread.
sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR2);
  return set;
}

} // namespace

void SignalWatcher::block_signals() {
  const sigset_t set = watched();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

SignalWatcher::SignalWatcher(StopSignal& stop, std::function<void()> on_reload)
    : stop_(stop), on_reload_(std::move(on_reload)), thread_([this] { loop(); }) {}

SignalWatcher::~SignalWatcher() {
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

void SignalWatcher::loop() {
  const sigset_t set = watched();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGUSR2) return;
    if (sig == SIGHUP) {
      if (on_reload_) on_reload_();
      continue;
    }
    int expected = 0;
    stop_signal_.compare_exchange_strong(expected, sig);
    stop_.request_stop();
  }
}

} // namespace recharged::daemon
