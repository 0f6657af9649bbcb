#pragma once

#include "config/config.hpp"
#include "config/secrets.hpp"
#include "core/clock.hpp"
#include "engine/api_call_log.hpp"
#include "engine/call_gate.hpp"
#include "engine/order_service.hpp"
#include "engine/planner.hpp"
#include "engine/update_sink.hpp"
#include "http/curl_transport.hpp"
#include "logging/setup.hpp"
#include "schedule/settlement_calendar.hpp"
#include "storage/backend.hpp"
#include "storage/daemon_lock.hpp"
#include "storage/database.hpp"
#include "storage/order_store.hpp"
#include "wxpay/api_client.hpp"

#include <memory>
#include <string>

namespace recharged::cli {

// Options every subcommand accepts.
struct GlobalOptions {
  std::string config_path{config::k_default_path};
  bool json = false;
  bool verbose = false; // one-shot commands log at the configured level to stderr (else warnings only)
  bool daemon = false;  // `run`: always log at the configured level
  std::string command;  // the subcommand's name ("apply", "run", …), for apply leases and logs
};

// What a command needs; each level includes the ones above it.
enum class Needs {
  config,   // the config file, logging, the clock
  database, // + the database (migrations applied unless read-only tools ask otherwise)
  client,   // + key material, calendar and the API client (`run`: the daemon builds its own order service)
  platform, // + the planner, the API call log and the order service
};

// Everything a command works with, built once in dependency order from the config file.
// Errors carry a message for the operator and map to exit codes in exit_code_for().
class Context {
public:
  [[nodiscard]] static Result<std::unique_ptr<Context>> open(const GlobalOptions& options, Needs needs,
                                                             storage::MigrationMode migration =
                                                                 storage::MigrationMode::upgrade);

  GlobalOptions options;
  config::Config config;
  std::shared_ptr<logging::Logging> logging;
  std::unique_ptr<Clock> clock;
  std::unique_ptr<storage::DaemonLock> daemon_lock; // `run` on SQLite only; declared first so it outlives the file
  std::unique_ptr<storage::Backend> backend;
  storage::Database* database = nullptr; // backend->sqlite(): the SQLite-only tools; null on PostgreSQL
  storage::OrderStore* store = nullptr;  // backend->orders()
  std::unique_ptr<config::Secrets> secrets;
  std::unique_ptr<schedule::SettlementCalendar> calendar;
  std::unique_ptr<http::CurlTransport> transport;
  std::unique_ptr<wxpay::ApiClient> api;
  Millis apply_grace{0}; // see engine::apply_grace
  std::string actor;     // "recharged apply (pid 4711)": holder of the apply leases this process takes
  // Needs::platform only:
  std::unique_ptr<engine::Planner> planner;
  std::unique_ptr<engine::ApiCallLog> call_log;
  std::unique_ptr<engine::StoreSink> sink;
  engine::OpenGate gate;
  std::unique_ptr<engine::OrderService> service;
};

// Where [database] keeps the orders: the SQLite file, or the PostgreSQL URL read from url or url_file (an error
// names the key). `clock` stamps applied migrations.
[[nodiscard]] Result<storage::BackendOptions> backend_options(const config::Config& config, const Clock* clock);

// The clock the config asks for: wall time, or the sandbox's shared accelerated time.
[[nodiscard]] std::unique_ptr<Clock> make_clock(const config::ClockConfig& clock);
// "recharged/0.1.0 (Linux)" — sent as User-Agent.
[[nodiscard]] std::string user_agent();

} // namespace recharged::cli
