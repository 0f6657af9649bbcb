#pragma once

#include "engine/planner.hpp"
#include "schedule/poll_policy_config.hpp"
#include "schedule/settlement_calendar.hpp"

#include <memory>

namespace recharged::engine {

// The production Planner: schedule::plan_next_poll with `config` (the [schedule] section as config::load read
// and validated it). `calendar` must outlive the planner.
[[nodiscard]] std::unique_ptr<Planner> make_policy_planner(schedule::PollPolicyConfig config,
                                                           const schedule::SettlementCalendar& calendar);

} // namespace recharged::engine
