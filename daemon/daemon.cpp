#include "daemon/daemon.hpp"

#include "daemon/dispatcher.hpp"
#include "daemon/group_committer.hpp"
#include "daemon/rate_gate.hpp"
#include "daemon/swappable_planner.hpp"
#include "daemon/systemd_notifier.hpp"
#include "daemon/worker_pool.hpp"
#include "engine/order_service.hpp"
#include "engine/policy_planner.hpp"
#include "logging/event_line.hpp"

#include <spdlog/logger.h>

#include <chrono>

namespace recharged::daemon {

using logging::EventLine;

namespace {
constexpr auto k_status_every = std::chrono::seconds{10};
constexpr auto k_watchdog_floor = std::chrono::seconds{1};
} // namespace

struct Daemon::Impl {
  Impl(DaemonParts p, StopSignal& s, std::shared_ptr<const engine::Planner> policy)
      : parts(std::move(p)), stop(s), log(parts.logging->get("daemon")), planner(std::move(policy)),
        gate(parts.config.limits, parts.clock, stop), committer(parts.store),
        service(engine::ServiceContext{parts.store, committer, parts.api, gate, planner, parts.clock,
                                       parts.logging->get("engine")}),
        pool(static_cast<std::size_t>(parts.config.limits.concurrency)),
        dispatcher(parts.store, service, pool, parts.clock, stop, log) {}

  std::string status_line();
  void reload();
  void heartbeat();

  DaemonParts parts;
  StopSignal& stop;
  std::shared_ptr<spdlog::logger> log;
  SwappablePlanner planner;
  RateGate gate;
  GroupCommitter committer;
  engine::OrderService service;
  WorkerPool pool;
  Dispatcher dispatcher;
  SystemdNotifier systemd;
  std::atomic<bool> reload_requested{false};
  std::chrono::steady_clock::time_point last_status{};
  std::chrono::steady_clock::time_point last_watchdog{};
};

std::string Daemon::Impl::status_line() {
  auto counts = parts.store.counts(parts.clock.now());
  if (!counts) return "database unavailable: " + counts.error().message;
  std::int64_t open = 0;
  for (const auto s : {orders::OrderState::new_order, orders::OrderState::recharging, orders::OrderState::closing})
    open += counts->by_state[s];
  return "open=" + std::to_string(open) + " due=" + std::to_string(counts->due) +
         " in_flight=" + std::to_string(dispatcher.in_flight()) + " visits=" + std::to_string(dispatcher.visits()) +
         " suspect=" + std::to_string(counts->by_state[orders::OrderState::suspect]);
}

void Daemon::Impl::heartbeat() {
  const auto now = std::chrono::steady_clock::now();
  const auto every = std::max<std::chrono::steady_clock::duration>(systemd.watchdog_interval(), k_watchdog_floor);
  if (systemd.watchdog_interval() > Millis{0} && now - last_watchdog >= std::min(every, std::chrono::steady_clock::duration{k_watchdog_floor * 5})) {
    systemd.watchdog();
    last_watchdog = now;
  }
  if (now - last_status >= k_status_every) {
    const std::string status = status_line();
    systemd.status(status);
    log->info(EventLine("daemon_status").kv("status", status).str());
    last_status = now;
  }
}

void Daemon::Impl::reload() {
  systemd.reloading();
  if (auto reopened = parts.logging->reopen(); !reopened)
    log->error(EventLine("log_reopen_failed").kv("error", reopened.error().message).str());
  const auto path = parts.config.source;
  auto fresh = config::load(path);
  Result<std::unique_ptr<engine::Planner>> policy =
      fresh ? engine::make_policy_planner(fresh->schedule, parts.calendar) : Result<std::unique_ptr<engine::Planner>>(fresh.error());
  if (!policy) {
    log->error(EventLine("config_reload_failed").kv("config", path.string()).kv("error", policy.error().message)
                   .kv("kept", "previous config").str());
    systemd.ready(status_line());
    return;
  }
  if (auto level = parts.logging->set_level(fresh->log.level); !level)
    log->warn(EventLine("config_reload_partial").kv("error", level.error().message).str());
  planner.replace(std::shared_ptr<const engine::Planner>(std::move(*policy)));
  gate.configure(fresh->limits);
  const auto& old = parts.config;
  std::string restart;
  auto note = [&](bool changed, const char* key) {
    if (changed) restart += (restart.empty() ? "" : ",") + std::string(key);
  };
  note(fresh->database.path != old.database.path, "database.path");
  note(fresh->merchant.mchid != old.merchant.mchid || fresh->merchant.serial_no != old.merchant.serial_no ||
           fresh->merchant.private_key_file.spec != old.merchant.private_key_file.spec,
       "merchant");
  note(fresh->platform.base_url.to_string() != old.platform.base_url.to_string(), "platform.base_url");
  note(fresh->notify.listen.port != old.notify.listen.port || fresh->notify.listen.host != old.notify.listen.host,
       "notify.listen");
  note(fresh->metrics.listen.port != old.metrics.listen.port || fresh->metrics.listen.host != old.metrics.listen.host,
       "metrics.listen");
  note(fresh->limits.concurrency != old.limits.concurrency, "limits.concurrency");
  note(fresh->log.target != old.log.target || fresh->log.file != old.log.file, "log.target");
  EventLine line("config_reloaded");
  line.kv("config", path.string()).kv("applied", "log.level,schedule,limits rates");
  if (!restart.empty()) line.kv("needs_restart", restart);
  log->info(line.str());
  parts.config.log.level = fresh->log.level;
  parts.config.limits = fresh->limits;
  parts.config.schedule = fresh->schedule;
  systemd.ready(status_line());
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;

Result<std::unique_ptr<Daemon>> Daemon::create(DaemonParts parts, StopSignal& stop) {
  RECHARGED_TRY(std::unique_ptr<engine::Planner> policy, engine::make_policy_planner(parts.config.schedule, parts.calendar));
  auto impl = std::make_unique<Impl>(std::move(parts), stop, std::shared_ptr<const engine::Planner>(std::move(policy)));
  if (auto gap = impl->parts.calendar.first_uncovered(impl->parts.clock.now(), 30)) {
    impl->log->warn(EventLine("calendar_gap")
                        .kv("first_uncovered_day", format_utc(TimePoint{std::chrono::sys_days{*gap}}).substr(0, 10))
                        .kv("hint", "drop that year's holiday-cn JSON into /etc/recharged/calendar")
                        .str());
  }
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

void Daemon::request_reload() {
  impl_->reload_requested.store(true);
  impl_->stop.wake();
}

int Daemon::run() {
  Impl& d = *impl_;
  const std::string status = d.status_line();
  d.log->info(EventLine("daemon_started").kv("version", RECHARGED_VERSION).kv("database", d.parts.database.path().string())
                  .kv("concurrency", d.parts.config.limits.concurrency).kv("status", status).str());
  d.systemd.ready(status);
  d.last_status = std::chrono::steady_clock::now();
  while (!d.stop.stop_requested()) {
    if (d.reload_requested.exchange(false)) d.reload();
    d.heartbeat();
    const TimePoint next = d.dispatcher.dispatch_once();
    d.parts.clock.sleep_until(next, d.stop);
  }
  d.log->info(EventLine("daemon_stopping").kv("in_flight", static_cast<std::int64_t>(d.dispatcher.in_flight())).str());
  d.systemd.stopping("stopping: finishing " + std::to_string(d.dispatcher.in_flight()) + " visits");
  d.pool.join();
  d.committer.shutdown();
  const auto stats = d.committer.stats();
  d.log->info(EventLine("daemon_stopped").kv("visits", static_cast<std::int64_t>(d.dispatcher.visits()))
                  .kv("transactions", static_cast<std::int64_t>(stats.transactions))
                  .kv("updates", static_cast<std::int64_t>(stats.updates)).str());
  return 0;
}

} // namespace recharged::daemon
