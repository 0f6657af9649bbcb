#include "engine/policy_planner.hpp"

#include "schedule/poll_policy.hpp"

namespace recharged::engine {
namespace {

class PolicyPlanner final : public Planner {
public:
  PolicyPlanner(schedule::PollPolicyConfig cfg, const schedule::SettlementCalendar& cal)
      : cfg_(std::move(cfg)), cal_(cal) {}

  Plan next(const orders::Order& order, TimePoint now) const override {
    const schedule::PlannedPoll p = schedule::plan_next_poll(order, now, cal_, cfg_);
    Plan plan;
    plan.at = schedule::is_scheduled(p) ? p.at : TimePoint::max();
    plan.close = p.action == schedule::PollAction::close;
    plan.reason = p.reason;
    return plan;
  }

  TimePoint close_deadline(const orders::Order& order) const override {
    return schedule::stale_close_deadline(order, cal_, cfg_);
  }

private:
  schedule::PollPolicyConfig cfg_;
  const schedule::SettlementCalendar& cal_;
};

} // namespace

Result<schedule::PollPolicyConfig> policy_config(const std::vector<config::ScheduleEntry>& entries) {
  schedule::PollPolicyConfig cfg;
  for (const auto& e : entries) {
    if (auto ok = schedule::set_poll_policy_option(cfg, e.key, e.value); !ok) {
      Error err = std::move(ok).error();
      err.field = "schedule." + e.key;
      err.message = "Config: schedule." + e.key + ": " + err.message;
      return err;
    }
  }
  if (auto ok = schedule::validate(cfg); !ok) {
    Error err = std::move(ok).error();
    err.message = "Config [schedule]: " + err.message;
    return err;
  }
  return cfg;
}

Result<std::unique_ptr<Planner>> make_policy_planner(const std::vector<config::ScheduleEntry>& entries,
                                                     const schedule::SettlementCalendar& calendar) {
  RECHARGED_TRY(schedule::PollPolicyConfig cfg, policy_config(entries));
  return std::unique_ptr<Planner>(std::make_unique<PolicyPlanner>(std::move(cfg), calendar));
}

} // namespace recharged::engine
