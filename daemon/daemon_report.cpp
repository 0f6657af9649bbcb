#include "daemon/daemon_impl.hpp"

#include "logging/event_line.hpp"

namespace recharged::daemon {

using logging::EventLine;

// A shared database: the daemons sharing it as the nodes table shows them, and the visit leases each holds.
void Daemon::Impl::cluster_gauges(std::vector<Gauge>& g, TimePoint now) {
  std::lock_guard lock(nodes_mu);
  if (!nodes) return;
  auto seen = nodes->list(now, storage::pg::k_node_dead_after);
  if (!seen) return; // the database's own failures are reported by every other use of it
  g.push_back({"recharged_cluster_live_nodes", "gauge",
               "Daemons sharing the database whose heartbeat is recent (this one included).", {},
               static_cast<double>(storage::pg::live_count(*seen))});
  for (std::size_t i = 0; i < seen->size(); ++i)
    g.push_back({"recharged_visit_leases", "gauge",
                 i == 0 ? "Orders each daemon holds a running visit lease on, by node." : "",
                 {{"node", (*seen)[i].id}, {"live", (*seen)[i].live ? "true" : "false"}},
                 static_cast<double>((*seen)[i].leases)});
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
  cluster_gauges(g, now);
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

} // namespace recharged::daemon
