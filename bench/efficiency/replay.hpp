#pragma once

#include "bench/efficiency/order_generator.hpp"
#include "bench/efficiency/strategy.hpp"
#include "bench/efficiency/workload.hpp"
#include "orders/order.hpp"
#include "sandbox/platform.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace recharged::bench::efficiency {

// What happened to one order in a replay.
struct OrderRecord {
  OrderSpec spec;
  orders::Order local;                   // the daemon's view at the end (state, poll_count, close_after, …)
  std::uint64_t calls = 0;               // apply + queries + close calls the replay made for this order
  std::optional<TimePoint> detected_at;  // the local SUCCESS time: a query's SUCCESS answer or the notification
  bool notified = false;                 // detected by a RECHARGE.SUCCESS notification, not by a query
  sandbox::OrderTruth truth;             // the platform's record after every order's link has expired
};

// A change of the replay's push-health judge (schedule::PushHealthJudge, the daemon's own rule).
struct PushChange {
  TimePoint at;
  schedule::PushHealth health = schedule::PushHealth::unknown;
  std::string reason;
};

struct ReplayResult {
  Strategy strategy = Strategy::recharged;
  std::vector<OrderRecord> orders;       // in apply order
  sandbox::PlatformCounters platform;    // the platform's own counters: the ground truth of calls
  std::uint64_t calls = 0;               // the replay's own total
  Millis close_latest_age{0};            // the policy's latest stale close, as an age (close_latest_age)
  std::uint64_t notifications_sent = 0;      // RECHARGE.* notifications the platform's events caused
  std::uint64_t notifications_delivered = 0; // ... that reached us (on some attempt of the retry schedule)
  std::vector<PushChange> push;              // the judge's changes, in time order
  TimePoint outage_start{};                  // the workload's outage of our endpoint (length 0: none)
  Millis outage_length{0};
};

// Runs one strategy over `orders` against an in-process sandbox::Platform (the sandbox's payer model, seeded by
// the workload, and its settlement rules) on a ManualClock. Visits happen in time order, as the engine makes
// them: the apply (one call; close_after = stale_close_deadline from the acceptance), queries, and the stale
// close as final query, close call and confirming query. Notifications (unless the workload loses them all) are
// delivered on the platform's retry schedule, each lost with the workload's share and every attempt inside its
// outage failing; a delivered RECHARGE.SUCCESS / CLOSED is recorded and confirmed by one query, as the daemon
// does. The daemon's push-health judge watches the same evidence; when it turns unhealthy every open order is
// replanned at once (recharged). Runs until nothing is left, then moves the clock past every link's 7-day
// expiry so the platform's record is final.
[[nodiscard]] ReplayResult replay(const Workload& workload, const std::vector<OrderSpec>& orders, Strategy strategy,
                                  const schedule::SettlementCalendar& cal, const schedule::PollPolicyConfig& cfg);

} // namespace recharged::bench::efficiency
