#pragma once

// The integration rig: the in-process sandbox platform (tests/support/sandbox_fixture.hpp) on a clock the
// recharged processes share through their config, a temporary directory with a recharged.toml pointing at it,
// and helpers to run `recharged` commands, start the daemon, read its SQLite file and scrape its listeners.

#include "core/clock.hpp"
#include "orders/order.hpp"
#include "sandbox/state.hpp"
#include "storage/order_store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/sandbox_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::test {

// Monday 2026-11-23 10:00 in Shanghai: a working day with the interbank system open for hours.
[[nodiscard]] TimePoint monday_morning();

// A clock the test process and recharged processes agree on: ScaledClock from whole-second origins, exactly as
// [clock] in the config file describes it. speed 1 = wall-clock time (no [clock] section).
struct SharedClock {
  SharedClock(double speed, TimePoint virtual_start);
  std::unique_ptr<Clock> clock;
  std::optional<sandbox::ClockSection> section;
};

// What the generated recharged.toml says besides the sandbox's keys and address.
struct RigConfig {
  std::filesystem::path database;                 // default: <rig dir>/recharged.db
  std::string database_url;                       // PostgreSQL instead ([database] url): write_config() migrates it
  bool create_database = true;                    // write_config() runs `recharged migrate` when it is missing
  bool notify_enabled = false;
  int notify_port = 0;                            // [notify] listen = 127.0.0.1:PORT
  std::string notify_path = "/wxpay/recharge-notify";
  bool metrics_enabled = false;
  int metrics_port = 0;                           // [metrics] listen = 127.0.0.1:PORT (0 = any; see the log)
  std::string apply_notify_url = "https://sandbox.recharged.invalid/wxpay/recharge-notify";
  std::string log_target = "stderr";              // or "file"
  std::filesystem::path log_file;                 // when log_target = "file"
  std::string log_level = "info";
  std::string connect_timeout = "1s";
  std::string timeout = "3s";
  int concurrency = 4;
  double query_rate = 200;
  std::vector<std::pair<std::string, std::string>> schedule; // [schedule] key = "value"
  std::vector<std::filesystem::path> calendar_dirs;          // default: the shipped data/calendar
  std::string serial_no;                          // default: the sandbox merchant certificate's
  std::filesystem::path private_key_file;         // default: the sandbox state's
  std::string busy_timeout = "1s";
  std::string mchid;                              // default: the sandbox platform merchant's
  bool merchant_certificate = true;               // [merchant] certificate_file (the sandbox's, or certificate_file)
  std::filesystem::path certificate_file;         // default: the sandbox merchant certificate
  bool public_key = true;                         // [platform] public_key_id + public_key_file (public-key mode)
  std::vector<std::filesystem::path> platform_certificates; // [platform] certificate_files (certificate mode)
  bool backup_url = true; // [platform] backup_url = the sandbox's backup host (RigOptions::sandbox.backup_host), else ""
  std::string extra_toml;                         // appended as it is (more tables, e.g. [api], [[webhooks]])
};

struct RigOptions {
  double speed = 1;                               // virtual time runs this much faster than real time
  TimePoint start = monday_morning();             // virtual time at the start (used when speed != 1)
  SandboxFixtureOptions sandbox;
};

// A rig whose payers the sandbox simulates (`mix`: sandbox::parse_payer_mix's text) with `seed`, in time 300 times
// faster than real: a virtual hour in 12 s, while the ±300 s signature window is still a full real second.
[[nodiscard]] RigOptions paying_rig(std::uint64_t seed, std::string_view mix);

class Rig {
public:
  explicit Rig(RigOptions options = {});

  [[nodiscard]] Clock& clock() noexcept { return *shared_.clock; }
  [[nodiscard]] SandboxFixture& sandbox() noexcept { return *sandbox_; }
  [[nodiscard]] sandbox::Platform& platform() noexcept { return sandbox_->platform(); }
  [[nodiscard]] TempDir& dir() noexcept { return dir_; }
  [[nodiscard]] RigConfig& config() noexcept { return config_; }
  [[nodiscard]] const std::string& sub_mchid(std::size_t i = 0) const { return sandbox_->sub_mchid(i); }

  // The config text for `config()` (and the sandbox's address, keys and clock).
  [[nodiscard]] std::string render() const;
  // Writes render() to <dir>/recharged.toml (or `name`) and returns its path; then, unless config().create_database
  // is false, creates the database with `recharged migrate` if it does not exist (only migrate creates one).
  std::filesystem::path write_config(const std::string& name = "recharged.toml");
  [[nodiscard]] const std::filesystem::path& config_path() const noexcept { return config_path_; }
  [[nodiscard]] std::filesystem::path database_path() const;

  // `recharged -c <config> args…`, run to the end.
  [[nodiscard]] RunResult cli(std::vector<std::string> args, Millis timeout = Millis{30'000});
  // `recharged -c <config> run`, with stderr appended to <dir>/daemon.log (kept across restarts), `env` added
  // to its environment; WatchdogPid::self sets WATCHDOG_PID to the daemon's own pid.
  enum class WatchdogPid { unset, self };
  [[nodiscard]] std::unique_ptr<Process> start_daemon(std::vector<std::pair<std::string, std::string>> env = {},
                                                      WatchdogPid watchdog = WatchdogPid::unset);
  [[nodiscard]] std::filesystem::path daemon_log() const { return dir_ / "daemon.log"; }
  [[nodiscard]] std::string daemon_log_text() const { return slurp(daemon_log()); }
  // Waits until the daemon log (from byte `from` on) holds `needle`.
  [[nodiscard]] bool wait_for_log(const std::string& needle, Millis timeout, std::size_t from = 0) const;

  // The database as the daemon left it (a fresh read-only connection per call).
  [[nodiscard]] std::optional<orders::Order> order(const std::string& out_recharge_no) const;
  [[nodiscard]] std::vector<orders::Order> orders() const;
  [[nodiscard]] std::vector<orders::OrderEvent> events(const std::string& out_recharge_no) const;
  [[nodiscard]] std::vector<storage::NotificationRecord> notifications(const std::string& out_recharge_no) const;

  // The ground truth of one order at the sandbox (throws if it does not know it).
  [[nodiscard]] sandbox::OrderTruth truth(const std::string& out_recharge_no) const;

private:
  // Runs `read` on an order store of the database the daemons use (a fresh connection per call).
  template <class F>
  auto read_store(F&& read) const;
  RigOptions options_;
  SharedClock shared_;
  TempDir dir_;
  std::unique_ptr<SandboxFixture> sandbox_;
  RigConfig config_;
  std::filesystem::path config_path_;
};

// GET/POST on 127.0.0.1 (the daemon's listeners), through the product's own HTTP client.
struct HttpAnswer {
  int status = 0; // 0: no answer
  std::string body;
  std::string error;
};
[[nodiscard]] HttpAnswer http_get(int port, const std::string& target);
[[nodiscard]] HttpAnswer http_post(int port, const std::string& target, const std::string& body,
                                   const std::vector<std::pair<std::string, std::string>>& headers = {});

// The value of one Prometheus sample ("name" or "name{label=\"v\",…}" exactly as rendered), or nullopt.
[[nodiscard]] std::optional<double> metric(const std::string& exposition, const std::string& sample);
// The port of "<key>=127.0.0.1:PORT" in the daemon's `event=listening` log line, or 0.
[[nodiscard]] int listening_port(const std::string& log, const std::string& key);

} // namespace recharged::test
