#pragma once

#include "core/clock.hpp"
#include "core/stop_signal.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/identity.hpp"
#include "sandbox/notifier.hpp"
#include "sandbox/platform.hpp"
#include "sandbox/server.hpp"
#include "schedule/settlement_calendar.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace recharged::sandbox {

struct SandboxOptions {
  PlatformConfig platform;      // sp_mchid is taken from the platform identity
  FaultConfig faults;
  NotifierConfig notifier;
  std::string host = "127.0.0.1";
  int port = 0;                 // 0 = any free port
  std::optional<int> backup_port; // also serve the backup host on host:backup_port (0 = any free port)
  // HTTP worker threads. Each request holds one while it is answered, a timeout fault's for its whole hold, so
  // this must exceed the requests all clients have in flight together — the daemon's pool (up to [limits]
  // concurrency, max 64), CLIs, proxies — or a request would queue behind held ones, a wait no real platform
  // imposes. Idle keep-alive connections hold none.
  std::size_t threads = 96;
};

// The whole simulated platform wired together: the order book, the HTTP front, the notifier, and a driver
// thread that moves the book along the clock and hands its events to the log and the notifier. What
// `recharged sandbox` runs and what tests embed. Thread-safe; `calendar` and `clock` must outlive it.
class Sandbox {
public:
  Sandbox(SandboxOptions options, PlatformIdentity platform, MerchantIdentity merchant,
          const schedule::SettlementCalendar& calendar, Clock& clock, LogSink log = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Binds the listener and starts the driver and the notifier; returns the bound port.
  [[nodiscard]] Result<int> start();
  // Stops everything; in-flight requests finish, held ones end at once. Idempotent.
  void stop();

  // Brings the platform up to the clock and queues the resulting notifications, in this thread; returns the
  // number of platform events handled. The driver does the same on its own; this is for tests that want
  // a deterministic moment.
  std::size_t pump();
  // pump(), then every notification attempt due now, in this thread.
  void flush();

  [[nodiscard]] Platform& platform() noexcept { return *platform_; }
  [[nodiscard]] FaultInjector& faults() noexcept { return faults_; }
  [[nodiscard]] Notifier& notifier() noexcept { return *notifier_; }
  [[nodiscard]] Server& server() noexcept { return *server_; }
  // "http://127.0.0.1:PORT" once started.
  [[nodiscard]] std::string base_url() const;
  // The backup host's "http://127.0.0.1:PORT" once started, "" when none is served.
  [[nodiscard]] std::string backup_url() const;

private:
  void drive();

  SandboxOptions options_;
  Clock& clock_;
  LogSink log_;
  FaultInjector faults_;
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<Server> server_;
  std::mutex pump_mu_;
  StopSignal stop_;
  std::thread driver_;
  int port_ = 0;
};

// One log line for a platform event ("event=sandbox_settled out_recharge_no=… channel=…").
[[nodiscard]] std::string describe(const PlatformEvent& event);

} // namespace recharged::sandbox
