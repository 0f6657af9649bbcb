#pragma once

#include "core/time.hpp"

#include <string>

namespace recharged::daemon {

// sd_notify(3) messages to systemd (Type=notify): READY=1 once the daemon can work, STATUS= lines for
// `systemctl status`, WATCHDOG=1 from the main loop, STOPPING=1 at shutdown. A no-op outside systemd
// (no $NOTIFY_SOCKET). Thread-safe.
class SystemdNotifier {
public:
  SystemdNotifier();
  void ready(const std::string& status);
  void status(const std::string& status);
  void reloading();
  void watchdog();
  void stopping(const std::string& status);
  // How often to send WATCHDOG=1 (half of WatchdogSec), or zero when no watchdog is configured.
  [[nodiscard]] Millis watchdog_interval() const noexcept { return watchdog_interval_; }

private:
  void send(const std::string& message);
  Millis watchdog_interval_{0};
};

} // namespace recharged::daemon
