#include "daemon/daemon_impl.hpp"

#include "logging/event_line.hpp"

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
  beat_node(now);
}

void Daemon::Impl::beat_node(std::chrono::steady_clock::time_point now, bool force) {
  if (!parts.backend.shared() || (!force && now - last_node_beat < storage::pg::k_node_heartbeat_every)) return;
  last_node_beat = now;
  std::lock_guard lock(nodes_mu);
  if (!nodes) {
    auto again = parts.backend.connect_again();
    if (!again) {
      log->warn(EventLine("node_heartbeat_failed").kv("node", node_id).kv("error", again.error().message).str());
      return;
    }
    cluster_db = std::move(*again);
    nodes = std::make_unique<storage::pg::Nodes>(*cluster_db->postgres());
  }
  auto beat = nodes->heartbeat(node_id, node_host, node_pid, parts.clock.now());
  if (!beat) {
    log->warn(EventLine("node_heartbeat_failed").kv("node", node_id).kv("error", beat.error().message).str());
    return;
  }
  // The merchant's API budget is split among the live nodes; a change in their number moves every share.
  auto seen = nodes->list(parts.clock.now(), storage::pg::k_node_dead_after);
  if (!seen) return;
  const int live = std::max(storage::pg::live_count(*seen), 1);
  if (live == budget_nodes) return;
  budget_nodes = live;
  const auto share = limits_share(limits, live);
  gate.configure(share);
  log->info(EventLine("api_budget_shared").kv("nodes", live).kv("query_rate", share.query_rate)
                .kv("apply_rate", share.apply_rate).kv("close_rate", share.close_rate).str());
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
    log->warn(EventLine("wal_checkpoint_stalled").kv("database", parts.backend.describe())
                  .kv("wal_frames", wal->wal_frames).kv("checkpointed", wal->checkpointed)
                  .kv("stalled_for", format_duration(stalled))
                  .kv("hint", "close long-running sqlite3 sessions or transactions on the database").str());
}

} // namespace recharged::daemon
