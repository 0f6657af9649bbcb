#include "daemon/daemon.hpp"

#include "api/api_server.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/group_committer.hpp"
#include "daemon/listeners.hpp"
#include "daemon/metrics.hpp"
#include "daemon/push_watch.hpp"
#include "daemon/rate_gate.hpp"
#include "daemon/setup_watch.hpp"
#include "daemon/swappable_planner.hpp"
#include "daemon/systemd_notifier.hpp"
#include "daemon/worker_pool.hpp"
#include "engine/api_call_log.hpp"
#include "engine/order_service.hpp"
#include "engine/policy_planner.hpp"
#include "logging/event_line.hpp"
#include "notify/notification_handler.hpp"
#include "storage/webhook_store.hpp"
#include "webhooks/deliverer.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>

namespace recharged::daemon {

using logging::EventLine;

namespace {
constexpr auto k_status_every = std::chrono::seconds{10};     // STATUS= to systemd
constexpr auto k_status_log_every = std::chrono::seconds{60}; // the daemon_status log line
constexpr auto k_watchdog_floor = std::chrono::seconds{1};
// The daemon's own passive WAL checkpoint runs this often, or four times per [database] wal_stall_limit if that
// is shorter.
constexpr std::chrono::steady_clock::duration k_checkpoint_every = std::chrono::seconds{60};
} // namespace

struct Daemon::Impl {
  Impl(DaemonParts p, StopSignal& s)
      : parts(std::move(p)), stop(s), log(parts.logging->get("daemon")),
        push(parts.config.schedule, parts.clock, log, parts.config.notify.enabled),
        planner(policy(parts.config.schedule)), gate(parts.config.limits, parts.clock, stop), committer(parts.store),
        service(engine::ServiceContext{parts.store, push_sink, parts.api, gate, planner, parts.clock,
                                       parts.logging->get("engine"), parts.apply_grace, parts.actor}),
        pool(static_cast<std::size_t>(parts.config.limits.concurrency)),
        dispatcher(parts.store, service, pool, parts.clock, stop, log,
                   static_cast<std::size_t>(parts.config.limits.batch_size)) {
    call_observers.add(&call_log);
    call_observers.add(&metrics);
    call_observers.add(&setup_watch);
  }

  // The [schedule] policy, planning with the push health the watch reports.
  std::shared_ptr<const engine::Planner> policy(const schedule::PollPolicyConfig& cfg) {
    return engine::make_policy_planner(cfg, parts.calendar, [this] { return push.view(); });
  }
  std::string status_line();
  void reload();
  void watch_push();
  void heartbeat();
  void check_checkpoint(std::chrono::steady_clock::time_point now);
  std::vector<Gauge> gauges();
  Status schedule_unscheduled();
  HealthReport health();
  Status start_listeners();
  Status start_webhooks();
  void webhook_gauges(std::vector<Gauge>& g);
  Status start_api();

  DaemonParts parts;
  StopSignal& stop;
  std::shared_ptr<spdlog::logger> log;
  PushWatch push;
  SwappablePlanner planner;
  RateGate gate;
  GroupCommitter committer;
  PushEvidenceSink push_sink{committer, push};
  engine::OrderService service;
  WorkerPool pool;
  Dispatcher dispatcher;
  SystemdNotifier systemd;
  Metrics metrics;
  engine::ApiCallLog call_log{parts.logging->get("api")};
  SetupWatch setup_watch{diagnose::LocalSetup::read(parts.config, true), parts.clock, parts.logging->get("daemon")};
  engine::CallObservers call_observers;
  std::unique_ptr<notify::NotificationHandler> notifications;
  std::unique_ptr<Listeners> listeners;
  // Webhooks: a connection of their own, so deliveries never wait on the pollers' store lock.
  std::unique_ptr<storage::Database> webhook_db;
  std::unique_ptr<storage::WebhookStore> webhook_store;
  std::unique_ptr<webhooks::Deliverer> deliverer;
  std::unique_ptr<api::ApiServer> api_server; // when [api] listen is set
  std::atomic<std::int64_t> loop_heartbeat_ms{0}; // steady clock, for /healthz
  std::atomic<bool> reload_requested{false};
  std::chrono::steady_clock::time_point last_status{};
  std::chrono::steady_clock::time_point last_status_log{};
  std::chrono::steady_clock::time_point last_watchdog{};
  std::chrono::steady_clock::time_point last_checkpoint{};
  // Since when checkpoints leave frames behind (nullopt: they complete); the report, once past the limit.
  std::optional<std::chrono::steady_clock::time_point> checkpoint_stalled_since;
  mutable std::mutex checkpoint_mu;
  std::string checkpoint_problem; // guarded by checkpoint_mu; read by /healthz
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
  loop_heartbeat_ms.store(std::chrono::duration_cast<Millis>(now.time_since_epoch()).count());
  const auto every = std::max<std::chrono::steady_clock::duration>(systemd.watchdog_interval(), k_watchdog_floor);
  if (systemd.watchdog_interval() > Millis{0} && now - last_watchdog >= std::min(every, std::chrono::steady_clock::duration{k_watchdog_floor * 5})) {
    systemd.watchdog();
    last_watchdog = now;
  }
  if (now - last_status >= k_status_every) {
    const std::string status = status_line();
    systemd.status(status);
    if (now - last_status_log >= k_status_log_every) {
      log->info(EventLine("daemon_status").kv("status", status).str());
      last_status_log = now;
    }
    last_status = now;
  }
  check_checkpoint(now);
}

void Daemon::Impl::check_checkpoint(std::chrono::steady_clock::time_point now) {
  // A WAL whose frames cannot be written back for wal_stall_limit is reported (log, /healthz): a reader holds an
  // old snapshot, and the WAL grows without bound while it does.
  const std::chrono::steady_clock::duration limit = parts.config.database.wal_stall_limit;
  if (now - last_checkpoint < std::min(k_checkpoint_every, limit / 4)) return;
  last_checkpoint = now;
  auto wal = parts.store.checkpoint();
  if (!wal) return; // the database's own failures are reported by every other use of it
  if (!wal->busy && wal->checkpointed >= wal->wal_frames) {
    if (checkpoint_stalled_since && now - *checkpoint_stalled_since >= limit)
      log->info(EventLine("wal_checkpoint_recovered").kv("wal_frames", wal->wal_frames).str());
    checkpoint_stalled_since.reset();
    std::lock_guard lock(checkpoint_mu);
    checkpoint_problem.clear();
    return;
  }
  if (!checkpoint_stalled_since) checkpoint_stalled_since = now;
  const auto stalled = std::chrono::duration_cast<Millis>(now - *checkpoint_stalled_since);
  if (stalled < limit) return;
  const std::string problem = "the WAL could not be checkpointed for " + format_duration(stalled) + " (" +
                              std::to_string(wal->checkpointed) + " of " +
                              std::to_string(wal->wal_frames) +
                              " frames written back): a reader holds an old snapshot, e.g. an idle sqlite3 session";
  bool first = false;
  {
    std::lock_guard lock(checkpoint_mu);
    first = checkpoint_problem.empty();
    checkpoint_problem = problem;
  }
  if (first)
    log->warn(EventLine("wal_checkpoint_stalled").kv("database", parts.database.path().string())
                  .kv("wal_frames", wal->wal_frames).kv("checkpointed", wal->checkpointed)
                  .kv("stalled_for", format_duration(stalled))
                  .kv("hint", "close long-running sqlite3 sessions or transactions on the database").str());
}

void Daemon::Impl::reload() {
  systemd.reloading();
  if (auto reopened = parts.logging->reopen(); !reopened)
    log->error(EventLine("log_reopen_failed").kv("error", reopened.error().message).str());
  const auto path = parts.config.source;
  auto fresh = config::load(path);
  if (!fresh) {
    log->error(EventLine("config_reload_failed").kv("config", path.string()).kv("error", fresh.error().message)
                   .kv("kept", "previous config").str());
    systemd.ready(status_line());
    return;
  }
  push.configure(fresh->schedule);
  if (auto level = parts.logging->set_level(fresh->log.level); !level)
    log->warn(EventLine("config_reload_partial").kv("error", level.error().message).str());
  planner.replace(policy(fresh->schedule));
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
  const auto& fn = fresh->notify;
  note(fn.max_body_bytes != old.notify.max_body_bytes || fn.request_timeout != old.notify.request_timeout ||
           fn.idle_timeout != old.notify.idle_timeout || fn.max_connections != old.notify.max_connections ||
           fn.max_connections_per_ip != old.notify.max_connections_per_ip,
       "notify.limits");
  note(fresh->metrics.listen.port != old.metrics.listen.port || fresh->metrics.listen.host != old.metrics.listen.host,
       "metrics.listen");
  note(fresh->limits.concurrency != old.limits.concurrency, "limits.concurrency");
  note(fresh->api.listen.has_value() != old.api.listen.has_value() ||
           (fresh->api.listen && (fresh->api.listen->host != old.api.listen->host ||
                                  fresh->api.listen->port != old.api.listen->port)) ||
           fresh->api.tokens_file.spec != old.api.tokens_file.spec || fresh->api.workers != old.api.workers,
       "api");
  note(fresh->limits.batch_size != old.limits.batch_size, "limits.batch_size");
  note(fresh->log.target != old.log.target || fresh->log.file != old.log.file, "log.target");
  auto endpoint_text = [](const std::vector<config::WebhookConfig>& list) {
    std::string t;
    for (const auto& w : list) {
      t += w.name + " " + w.base.to_string() + w.target + " " + w.secret_file.spec + " " +
           std::to_string(w.timeout.count());
      for (const auto& e : w.events) t += " " + e;
      t += "\n";
    }
    return t;
  };
  note(endpoint_text(fresh->webhooks) != endpoint_text(old.webhooks), "webhooks");
  EventLine line("config_reloaded");
  line.kv("config", path.string()).kv("applied", "log.level,schedule,limits rates");
  if (!restart.empty()) line.kv("needs_restart", restart);
  log->info(line.str());
  parts.config.log.level = fresh->log.level;
  parts.config.limits = fresh->limits;
  parts.config.schedule = fresh->schedule;
  systemd.ready(status_line());
}

std::vector<Gauge> Daemon::Impl::gauges() {
  std::vector<Gauge> g;
  const TimePoint now = parts.clock.now();
  g.push_back({"recharged_up", "gauge", "1 while the daemon runs.", {}, 1});
  const auto& setup = setup_watch.setup();
  std::vector<diagnose::CertificateFact> certs = setup.platform_certificates;
  if (setup.merchant_certificate) certs.insert(certs.begin(), *setup.merchant_certificate);
  for (std::size_t i = 0; i < certs.size(); ++i)
    g.push_back({"recharged_certificate_expiry_timestamp_seconds", "gauge",
                 i == 0 ? "When a configured certificate expires (Unix time): the merchant API certificate and each "
                          "platform certificate, by serial."
                        : "",
                 {{"certificate", certs[i].key == "merchant.certificate_file" ? "merchant" : "platform"},
                  {"serial", certs[i].serial}},
                 static_cast<double>(unix_seconds(certs[i].not_after))});
  if (auto c = parts.store.counts(now)) {
    for (const auto& [state, n] : c->by_state)
      g.push_back({"recharged_orders", "gauge", "Orders by local state.", {{"state", std::string(orders::to_string(state))}},
                   static_cast<double>(n)});
    g.push_back({"recharged_due_orders", "gauge", "Open orders whose next poll time has passed (the backlog).", {},
                 static_cast<double>(c->due)});
    const double oldest = c->oldest_open_created_at ? std::chrono::duration<double>(now - *c->oldest_open_created_at).count() : 0;
    g.push_back({"recharged_oldest_open_order_age_seconds", "gauge", "Age of the oldest open order.", {}, oldest});
    const double overdue = c->next_due_at && *c->next_due_at < now ? std::chrono::duration<double>(now - *c->next_due_at).count() : 0;
    g.push_back({"recharged_poll_overdue_seconds", "gauge", "How late the most overdue poll is.", {}, overdue});
  }
  // On the safety net notifications report payments and queries are sparse by design: nothing is overdue.
  const bool sparse = push.schedule() == schedule::PollSchedule::safety_net;
  if (auto lag = sparse ? Result<storage::SettlementLag>(storage::SettlementLag{})
                        : parts.store.settlement_lag(now, parts.calendar.interbank_open(now))) {
    g.push_back({"recharged_settlement_overdue_orders", "gauge",
                 "RECHARGING orders past their settlement window (QR/online bank 3 min after acceptance; bank transfer "
                 "10 min of open interbank hours) not queried since: the detection SLA signal (0 while push is healthy "
                 "and the safety net applies).",
                 {{"channel", "qr"}}, static_cast<double>(lag->qr)});
    g.push_back({"recharged_settlement_overdue_orders", "gauge", "", {{"channel", "bank_transfer"}},
                 static_cast<double>(lag->bank_transfer)});
  }
  webhook_gauges(g);
  push.gauges(g);
  g.push_back({"recharged_in_flight_visits", "gauge", "Order visits being worked on now.", {},
               static_cast<double>(dispatcher.in_flight())});
  g.push_back({"recharged_visits_total", "counter", "Order visits completed since start.", {},
               static_cast<double>(dispatcher.visits())});
  const auto rate = gate.stats();
  g.push_back({"recharged_rate_limit_waits_total", "counter", "API calls that waited for a rate-limit token.", {},
               static_cast<double>(rate.waits)});
  g.push_back({"recharged_rate_limited_total", "counter", "429 / FREQUENCY_LIMITED answers (each slows the daemon).",
               {}, static_cast<double>(rate.rate_limited)});
  g.push_back({"recharged_api_rate_per_second", "gauge", "Current per-endpoint call rate limit (lowered after 429s).",
               {{"endpoint", "query"}}, rate.query_rate});
  g.push_back({"recharged_api_rate_per_second", "gauge", "", {{"endpoint", "apply"}}, rate.apply_rate});
  g.push_back({"recharged_api_rate_per_second", "gauge", "", {{"endpoint", "close"}}, rate.close_rate});
  const auto commits = committer.stats();
  g.push_back({"recharged_commit_transactions_total", "counter", "Group-commit transactions written.", {},
               static_cast<double>(commits.transactions)});
  g.push_back({"recharged_commit_updates_total", "counter", "Order updates written by group commit.", {},
               static_cast<double>(commits.updates)});
  return g;
}

HealthReport Daemon::Impl::health() {
  HealthReport h;
  const auto now = std::chrono::steady_clock::now();
  const auto beat = std::chrono::steady_clock::time_point{Millis{loop_heartbeat_ms.load()}};
  h.loop_age_seconds = std::chrono::duration<double>(now - beat).count();
  if (auto c = parts.store.counts(parts.clock.now())) {
    h.database_ok = true;
    for (const auto s : {orders::OrderState::new_order, orders::OrderState::recharging, orders::OrderState::closing})
      h.open_orders += c->by_state[s];
  } else {
    h.database_error = c.error().message;
  }
  {
    std::lock_guard lock(checkpoint_mu);
    if (h.database_ok && !checkpoint_problem.empty()) {
      h.database_ok = false;
      h.database_error = checkpoint_problem;
    }
  }
  if (auto last = metrics.last_api_success()) h.last_api_success_seconds = std::chrono::duration<double>(now - *last).count();
  const schedule::PushStatus p = push.status();
  h.push_health = std::string(schedule::to_string(p.health));
  h.push_since = format_rfc3339(p.since);
  h.push_reason = p.reason;
  h.push_schedule = std::string(schedule::to_string(push.schedule()));
  if (p.last_verified) h.push_last_verified_seconds = std::chrono::duration<double>(parts.clock.now() - *p.last_verified).count();
  return h;
}

// Push turned unhealthy: every open order goes back to the full schedule now, not at its next sparse poll.
void Daemon::Impl::watch_push() {
  push.tick();
  if (!push.take_replan()) return;
  auto moved = replan_open_orders(parts.store, planner, parts.clock.now());
  if (!moved) {
    log->error(EventLine("push_replan_failed").kv("error", moved.error().message).str());
    return;
  }
  log->info(EventLine("push_replanned").kv("orders", *moved).kv("schedule", "full").str());
}

// Open orders must always have a next poll; any that lack one (written by an older or interrupted tool) are
// made due now, so nothing open is ever forgotten.
Status Daemon::Impl::schedule_unscheduled() {
  for (;;) {
    RECHARGED_TRY(const auto orphans, parts.store.unscheduled_open(256));
    if (orphans.empty()) return {};
    std::vector<storage::OrderUpdate> updates;
    for (const auto& o : orphans) {
      storage::OrderUpdate u;
      u.order_id = o.id;
      u.expect_state = o.state;
      u.updated_at = parts.clock.now();
      u.set_next_poll = true;
      u.next_poll_at = parts.clock.now();
      u.next_poll_reason = "recovery: open order without a next poll";
      updates.push_back(std::move(u));
    }
    RECHARGED_TRY(const auto stored, parts.store.commit(updates));
    const auto count = std::count_if(stored.begin(), stored.end(), [](const auto& o) { return o.has_value(); });
    log->warn(EventLine("orders_rescheduled").kv("count", static_cast<std::int64_t>(count)).str());
    if (count == 0) return {}; // all changed under us by another writer; they are scheduled by it
  }
}

Status Daemon::Impl::start_listeners() {
  const auto& cfg = parts.config;
  if (cfg.notify.enabled) {
    notifications = std::make_unique<notify::NotificationHandler>(notify::HandlerContext{
        parts.store, planner, parts.clock, parts.secrets.platform_keys, parts.secrets.apiv3_key, cfg.merchant.mchid,
        parts.logging->get("notify"), [this](const std::string& no) { dispatcher.confirm(no); }});
  }
  Listeners::Sources sources;
  sources.handler = notifications.get();
  sources.metrics = &metrics;
  sources.gauges = [this] { return gauges(); };
  sources.health = [this] { return health(); };
  sources.log = parts.logging->get("listener");
  sources.judged = [this](const notify::Reply& r) {
    push.notification(r);
    stop.wake(); // a turn to unhealthy replans at once
  };
  RECHARGED_TRY(listeners, Listeners::start(cfg.notify, cfg.metrics, std::move(sources)));
  EventLine line("listening");
  if (listeners->notify_port() != 0)
    line.kv("notify", cfg.notify.listen.host + ":" + std::to_string(listeners->notify_port()) + cfg.notify.path);
  if (listeners->metrics_port() != 0)
    line.kv("metrics", cfg.metrics.listen.host + ":" + std::to_string(listeners->metrics_port()));
  log->info(line.str());
  return {};
}

Status Daemon::Impl::start_webhooks() {
  if (parts.config.webhooks.empty()) return {};
  RECHARGED_TRY(webhook_db, storage::Database::open(storage::DatabaseOptions{parts.database.path(),
                                                                             parts.config.database.busy_timeout},
                                                    storage::MigrationMode::require_current));
  webhook_store = std::make_unique<storage::WebhookStore>(*webhook_db);
  deliverer = std::make_unique<webhooks::Deliverer>(parts.config.webhooks, *webhook_store, parts.clock,
                                                    parts.logging->get("webhooks"));
  return deliverer->start();
}

void Daemon::Impl::webhook_gauges(std::vector<Gauge>& g) {
  if (!deliverer) return;
  for (const auto& [endpoint, c] : deliverer->counters()) {
    const std::string help = "Webhook attempts since start by endpoint and outcome: delivered (2xx), retried (failed, "
                             "scheduled again), failed (given up after the whole retry schedule).";
    g.push_back({"recharged_webhook_deliveries_total", "counter", help, {{"endpoint", endpoint}, {"outcome", "delivered"}},
                 static_cast<double>(c.delivered)});
    g.push_back({"recharged_webhook_deliveries_total", "counter", "", {{"endpoint", endpoint}, {"outcome", "retried"}},
                 static_cast<double>(c.retried)});
    g.push_back({"recharged_webhook_deliveries_total", "counter", "", {{"endpoint", endpoint}, {"outcome", "failed"}},
                 static_cast<double>(c.failed)});
  }
  auto summaries = webhook_store->backlog();
  if (!summaries) return;
  const TimePoint now = parts.clock.now();
  for (const auto& s : *summaries) {
    g.push_back({"recharged_webhook_backlog", "gauge", "Webhook messages not yet delivered (pending) by endpoint.",
                 {{"endpoint", s.endpoint}}, static_cast<double>(s.pending)});
    g.push_back({"recharged_webhook_failed", "gauge", "Webhook messages given up on (until replayed) by endpoint.",
                 {{"endpoint", s.endpoint}}, static_cast<double>(s.failed)});
    const double age = s.oldest_pending_created_at ? std::chrono::duration<double>(now - *s.oldest_pending_created_at).count() : 0;
    g.push_back({"recharged_webhook_oldest_pending_age_seconds", "gauge",
                 "Age of the oldest undelivered webhook message by endpoint (alert on it).", {{"endpoint", s.endpoint}}, age});
  }
}

// The order API serves through the daemon's own order service, so its calls share the rate limits and apply
// leases of the daemon's visits; its own HTTP server and worker cap keep it from starving the listeners.
Status Daemon::Impl::start_api() {
  if (!parts.config.api.listen) return {};
  // The API takes orders as `recharged apply` does, so it refuses a damaged orders table the same way: an order
  // recorded where the daemon's own index cannot find it would never be polled. Checked once per start (a read
  // of the table and its indexes), not per request.
  auto sound = parts.store.check_orders_table();
  if (!sound) return sound.error();
  if (*sound != "ok")
    return Error::make(ErrorKind::storage, "corrupt",
                       "The database '" + parts.config.database.path.string() + "' is damaged (quick_check: " +
                           sound->substr(0, 300) + "); the order API does not start on it. Run `recharged check`, " +
                           "and restore the latest backup (README, \"Backups and recovery\").");
  RECHARGED_TRY(api_server, api::ApiServer::start(parts.config, api::ApiParts{service, parts.store, parts.clock,
                                                                              parts.logging->get("api")}));
  log->info(EventLine("listening").kv("api", api_server->address()).str());
  return {};
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;

Result<std::unique_ptr<Daemon>> Daemon::create(DaemonParts parts, StopSignal& stop) {
  auto impl = std::make_unique<Impl>(std::move(parts), stop);
  impl->parts.api.set_observer(&impl->call_observers);
  RECHARGED_CHECK(impl->schedule_unscheduled());
  RECHARGED_CHECK(impl->start_listeners());
  RECHARGED_CHECK(impl->start_webhooks());
  RECHARGED_CHECK(impl->start_api());
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
    d.watch_push();
    const TimePoint next = d.dispatcher.dispatch_once();
    d.parts.clock.sleep_until(std::min(next, d.push.next_tick().value_or(next)), d.stop);
  }
  d.log->info(EventLine("daemon_stopping").kv("in_flight", static_cast<std::int64_t>(d.dispatcher.in_flight())).str());
  d.systemd.stopping("stopping: finishing " + std::to_string(d.dispatcher.in_flight()) + " visits");
  if (d.api_server) d.api_server->stop();
  if (d.listeners) d.listeners->stop();
  d.pool.join();
  d.committer.shutdown();
  if (d.deliverer) d.deliverer->stop(); // after the last commit: its messages are in the outbox for the next start
  const auto stats = d.committer.stats();
  d.log->info(EventLine("daemon_stopped").kv("visits", static_cast<std::int64_t>(d.dispatcher.visits()))
                  .kv("transactions", static_cast<std::int64_t>(stats.transactions))
                  .kv("updates", static_cast<std::int64_t>(stats.updates)).str());
  return 0;
}

} // namespace recharged::daemon
