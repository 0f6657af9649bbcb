#pragma once

#include "config/config.hpp"
#include "config/secrets.hpp"
#include "core/clock.hpp"
#include "logging/setup.hpp"
#include "schedule/settlement_calendar.hpp"
#include "storage/backend.hpp"
#include "storage/order_store.hpp"
#include "wxpay/api_client.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace recharged::daemon {

// What `recharged run` hands the daemon, already opened and checked (config, logs, database with current
// schema, keys, calendar, API client). Everything outlives the Daemon.
struct DaemonParts {
  config::Config config;
  std::shared_ptr<logging::Logging> logging;
  Clock& clock;
  storage::Backend& backend;
  storage::OrderStore& store; // backend.orders()
  wxpay::ApiClient& api;
  const schedule::SettlementCalendar& calendar;
  const config::Secrets& secrets;
  Millis apply_grace; // engine::ServiceContext::apply_grace
  std::string actor;  // engine::ServiceContext::actor
};

// `recharged run`: keeps every open order moving to SUCCESS or CLOSED. It dispatches due orders to a
// bounded pool of workers through per-endpoint rate limits, writes results by group commit, receives
// notifications, serves /healthz and /metrics, talks to systemd (READY, STATUS, WATCHDOG, STOPPING), reloads
// its config on SIGHUP and stops cleanly on SIGTERM/SIGINT.
class Daemon {
public:
  // Builds every component and binds the listeners; nothing is dispatched before run().
  [[nodiscard]] static Result<std::unique_ptr<Daemon>> create(DaemonParts parts, StopSignal& stop);
  ~Daemon();

  // Runs until a stop is requested; then stops taking work, lets in-flight visits finish or abandon their
  // calls, and returns the process exit code (0).
  int run();
  // Thread-safe; called from the signal thread. The reload happens on the main loop.
  void request_reload();

  struct Impl;

private:
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace recharged::daemon
