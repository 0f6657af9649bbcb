#include "daemon/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

namespace recharged::daemon {

SystemdNotifier::SystemdNotifier() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    watchdog_interval_ = Millis{static_cast<Millis::rep>(usec / 2000)};
}

void SystemdNotifier::send(const std::string& message) { sd_notify(0, message.c_str()); }

void SystemdNotifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }
void SystemdNotifier::status(const std::string& status) { send("STATUS=" + status); }
void SystemdNotifier::reloading() { send("RELOADING=1"); }
void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }
void SystemdNotifier::stopping(const std::string& status) { send("STOPPING=1\nSTATUS=" + status); }

} // namespace recharged::daemon
