#include "daemon/daemon_impl.hpp"

#include "logging/event_line.hpp"

#include <unistd.h>

#include <array>

namespace recharged::daemon {

using logging::EventLine;

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
  RECHARGED_TRY(webhook_db, parts.backend.connect_again());
  // On a shared database the deliveries a round takes are leased to this node for longer than the round can last:
  // every delivery of the batch timing out, with a minute to spare.
  Millis slowest{0};
  for (const auto& w : parts.config.webhooks) slowest = std::max(slowest, w.timeout);
  webhook_store = webhook_db->webhook_store(node_id, webhooks::DelivererOptions{}.batch * slowest + Millis{60'000});
  deliverer = std::make_unique<webhooks::Deliverer>(parts.config.webhooks, *webhook_store, parts.clock,
                                                    parts.logging->get("webhooks"));
  return deliverer->start();
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
                       "The database '" + parts.backend.describe() + "' is damaged (quick_check: " +
                           sound->substr(0, 300) + "); the order API does not start on it. Run `recharged check`, " +
                           "and restore the latest backup (README, \"Backups and recovery\").");
  RECHARGED_TRY(api_server, api::ApiServer::start(parts.config, api::ApiParts{service, parts.store, parts.backend, parts.clock,
                                                                              parts.logging->get("api")}));
  log->info(EventLine("listening").kv("api", api_server->address()).str());
  return {};
}

std::string host_name() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return host.data();
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;

Result<std::unique_ptr<Daemon>> Daemon::create(DaemonParts parts, StopSignal& stop) {
  auto impl = std::make_unique<Impl>(std::move(parts), stop);
  impl->parts.api.set_observer(&impl->call_observers);
  impl->beat_node(std::chrono::steady_clock::now(), true); // in the cluster view before the first visit
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
  d.log->info(EventLine("daemon_started").kv("version", RECHARGED_VERSION).kv("database", d.parts.backend.describe()).kv("node", d.node_id)
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
  if (d.parts.backend.shared()) { // every visit is over: the other nodes may take this one's orders at once
    auto released = d.parts.store.release_visits(d.node_id);
    if (!released)
      d.log->warn(EventLine("visit_leases_kept").kv("node", d.node_id).kv("error", released.error().message).str());
    std::lock_guard lock(d.nodes_mu);
    if (d.nodes) (void)d.nodes->leave(d.node_id); // gone from the cluster view; a failure ages out by itself
  }
  const auto stats = d.committer.stats();
  d.log->info(EventLine("daemon_stopped").kv("visits", static_cast<std::int64_t>(d.dispatcher.visits()))
                  .kv("transactions", static_cast<std::int64_t>(stats.transactions))
                  .kv("updates", static_cast<std::int64_t>(stats.updates)).str());
  return 0;
}

} // namespace recharged::daemon
