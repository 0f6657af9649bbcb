#pragma once

#include "config/config.hpp"
#include "engine/planner.hpp"
#include "schedule/poll_policy_config.hpp"
#include "schedule/settlement_calendar.hpp"

#include <memory>
#include <vector>

namespace recharged::engine {

// The policy knobs from [schedule] over their documented defaults, validated.
[[nodiscard]] Result<schedule::PollPolicyConfig> policy_config(const std::vector<config::ScheduleEntry>& entries);

// The production Planner: schedule::plan_next_poll with the policy configured in [schedule] (keys not
// given keep their documented defaults). Errors name the [schedule] key, value and rule.
// `calendar` must outlive the planner.
[[nodiscard]] Result<std::unique_ptr<Planner>> make_policy_planner(const std::vector<config::ScheduleEntry>& entries,
                                                                   const schedule::SettlementCalendar& calendar);

} // namespace recharged::engine
