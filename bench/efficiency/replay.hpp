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
  std::optional<TimePoint> detected_at;  // when a query first answered SUCCESS: the local SUCCESS time
  sandbox::OrderTruth truth;             // the platform's record after every order's link has expired
};

struct ReplayResult {
  Strategy strategy = Strategy::recharged;
  std::vector<OrderRecord> orders;       // in apply order
  sandbox::PlatformCounters platform;    // the platform's own counters: the ground truth of calls
  std::uint64_t calls = 0;               // the replay's own total
  Millis close_latest_age{0};            // the policy's latest stale close, as an age (close_latest_age)
};

// Runs one strategy over `orders` against an in-process sandbox::Platform (the sandbox's payer model, seeded by
// the workload, and its settlement rules; every notification lost) on a ManualClock. Visits happen in time
// order, as the engine makes them: the apply (one call; close_after = stale_close_deadline from the
// acceptance), queries, and the stale close as final query, close call and confirming query. Runs until no
// visit is left, then moves the clock past every link's 7-day expiry so the platform's record is final.
[[nodiscard]] ReplayResult replay(const Workload& workload, const std::vector<OrderSpec>& orders, Strategy strategy,
                                  const schedule::SettlementCalendar& cal, const schedule::PollPolicyConfig& cfg);

} // namespace recharged::bench::efficiency
