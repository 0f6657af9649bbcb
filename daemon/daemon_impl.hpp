#pragma once

// The daemon's parts, composed once (daemon.cpp) and shared by the files that each do one of its jobs:
//   daemon.cpp            composition, start-up (listeners, webhooks, API) and the main loop
//   daemon_heartbeat.cpp  systemd STATUS= and WATCHDOG=, the daemon_status line, the WAL checkpoint
//   daemon_reload.cpp     SIGHUP: what a new config changes now and what needs a restart
//   daemon_report.cpp     what /metrics and /healthz show
//   daemon_replan.cpp     next polls: open orders without one, and all of them when push health breaks
// Private to daemon/: nothing outside includes it.

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
#include "storage/pg_nodes.hpp"
#include "storage/webhook_store.hpp"
#include "webhooks/deliverer.hpp"

#include <spdlog/logger.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>

namespace recharged::daemon {

// The name of the host this daemon runs on ("" when it cannot be read).
[[nodiscard]] std::string host_name();

struct Daemon::Impl {
  Impl(DaemonParts p, StopSignal& s)
      : parts(std::move(p)), stop(s), log(parts.logging->get("daemon")),
        push(parts.config.schedule, parts.clock, log, parts.config.notify.enabled),
        planner(policy(parts.config.schedule)), gate(parts.config.limits, parts.clock, stop), committer(parts.store),
        service(engine::ServiceContext{parts.store, push_sink, parts.api, gate, planner, parts.clock,
                                       parts.logging->get("engine"), parts.apply_grace, parts.actor}),
        pool(static_cast<std::size_t>(parts.config.limits.concurrency)),
        dispatcher(parts.store, service, pool, parts.clock, stop, log,
                   static_cast<std::size_t>(parts.config.limits.batch_size), claims()) {
    call_observers.add(&call_log);
    call_observers.add(&metrics);
    call_observers.add(&setup_watch);
  }

  // The [schedule] policy, planning with the push health the watch reports.
  std::shared_ptr<const engine::Planner> policy(const schedule::PollPolicyConfig& cfg) {
    return engine::make_policy_planner(cfg, parts.calendar, [this] { return push.view(); });
  }
  // On a shared database (PostgreSQL): this node's claims, each visit leased for four times the longest apply
  // call (every host timing out, with its margin) — longer than any visit's calls take.
  std::optional<Dispatcher::Claims> claims() const {
    if (!parts.backend.shared()) return std::nullopt;
    return Dispatcher::Claims{node_id, 4 * parts.apply_grace};
  }
  std::string status_line();
  void reload();
  void watch_push();
  void heartbeat();
  void check_checkpoint(std::chrono::steady_clock::time_point now);
  // A shared database: renews this node's row in the nodes table every k_node_heartbeat_every (at once when
  // `force`), on a connection of its own.
  void beat_node(std::chrono::steady_clock::time_point now, bool force = false);
  std::vector<Gauge> gauges();
  void cluster_gauges(std::vector<Gauge>& g, TimePoint now);
  Status schedule_unscheduled();
  HealthReport health();
  Status start_listeners();
  Status start_webhooks();
  void webhook_gauges(std::vector<Gauge>& g);
  Status start_api();

  DaemonParts parts;
  const std::string node_host = host_name();
  const int node_pid = static_cast<int>(::getpid());
  // This daemon's name among those sharing a database, "host/pid": the owner of its visit leases.
  const std::string node_id = node_host + "/" + std::to_string(node_pid);
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
  std::mutex nodes_mu; // guards cluster_db and nodes (set by beat_node, read by /metrics)
  std::unique_ptr<storage::Backend> cluster_db; // beat_node's connection (shared databases only)
  std::unique_ptr<storage::pg::Nodes> nodes;
  std::chrono::steady_clock::time_point last_node_beat{};
  // Live daemons sharing the merchant's API budget (1 on SQLite), and [limits] as last loaded: the gate gets
  // limits_share of the two. Main thread only (beat_node, reload).
  int budget_nodes = 1;
  config::LimitsConfig limits = parts.config.limits;
  // Webhooks: a connection of their own, so deliveries never wait on the pollers' store lock.
  std::unique_ptr<storage::Backend> webhook_db;
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

} // namespace recharged::daemon
