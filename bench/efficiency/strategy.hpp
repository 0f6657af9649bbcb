#pragma once

#include "core/time.hpp"
#include "orders/order.hpp"
#include "schedule/poll_policy_config.hpp"
#include "schedule/push_health.hpp"
#include "schedule/settlement_calendar.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace recharged::bench::efficiency {

// Who decides when an open order is queried next.
//   recharged   schedule::plan_next_poll with the given PollPolicyConfig (the daemon's own code), push-aware when
//               the config says so (push_aware, the default): the safety net while the judge says push is healthy
//   recharged_full  the same with push_aware = false: the full schedule whatever the notifications do
//   fixed_1m    every minute                           ┐ all three close stale orders exactly like recharged:
//   fixed_10m   every 10 minutes                       │ at schedule::stale_close_deadline, by final query,
//   age_based   1 min to age 10 min, 10 min to 1 h,    │ close and confirming query
//               hourly to 1 day, daily after           ┘
//   retry_list  after 5m, 1h, 1d, 1d, 1d, 1d, 1d — then never again, and no close (the list is its own end)
enum class Strategy { recharged, recharged_full, fixed_1m, fixed_10m, age_based, retry_list };
[[nodiscard]] std::string_view to_string(Strategy s) noexcept;
[[nodiscard]] std::optional<Strategy> parse_strategy(std::string_view text) noexcept;
// Every strategy, recharged first (recharged_full only when named: without notifications it is recharged).
[[nodiscard]] std::span<const Strategy> all_strategies() noexcept;

// The next visit to an open order: when, and whether it is the stale-order close. `at` is TimePoint::max()
// when the strategy never visits the order again.
struct Visit {
  TimePoint at = TimePoint::max();
  bool close = false;
};

// The next visit for `order` (state, applied_at, poll_count, last_poll_at and close_after as the engine keeps
// them) at `now`, with push health `push` (read by recharged only); never before `now`. Pure.
[[nodiscard]] Visit next_visit(Strategy strategy, const orders::Order& order, TimePoint now,
                               const schedule::SettlementCalendar& cal, const schedule::PollPolicyConfig& cfg,
                               const schedule::PushView& push = {});

} // namespace recharged::bench::efficiency
