#include "daemon/daemon_impl.hpp"

#include "logging/event_line.hpp"

namespace recharged::daemon {

using logging::EventLine;

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

} // namespace recharged::daemon
