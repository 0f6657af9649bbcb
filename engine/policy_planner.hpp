#pragma once

#include "engine/planner.hpp"
#include "schedule/poll_policy_config.hpp"
#include "schedule/push_health.hpp"
#include "schedule/settlement_calendar.hpp"

#include <functional>
#include <memory>

namespace recharged::engine {

// Push health as the planner reads it at each plan; must be thread-safe.
using PushSource = std::function<schedule::PushView()>;

// The production Planner: schedule::plan_next_poll with `config` (the [schedule] section as config::load read
// and validated it) and the push health `push` reports (none: always the full schedule). `calendar` must
// outlive the planner.
[[nodiscard]] std::unique_ptr<Planner> make_policy_planner(schedule::PollPolicyConfig config,
                                                           const schedule::SettlementCalendar& calendar,
                                                           PushSource push = {});

} // namespace recharged::engine
