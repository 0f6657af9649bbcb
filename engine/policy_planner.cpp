#include "engine/policy_planner.hpp"

#include "schedule/poll_policy.hpp"

namespace recharged::engine {
namespace {

class PolicyPlanner final : public Planner {
public:
  PolicyPlanner(schedule::PollPolicyConfig cfg, const schedule::SettlementCalendar& cal, PushSource push)
      : cfg_(std::move(cfg)), cal_(cal), push_(std::move(push)) {}

  Plan next(const orders::Order& order, TimePoint now) const override {
    const schedule::PushView view = push_ ? push_() : schedule::PushView{};
    const schedule::PlannedPoll p = schedule::plan_next_poll(order, now, cal_, cfg_, view);
    Plan plan;
    plan.at = schedule::is_scheduled(p) ? p.at : TimePoint::max();
    plan.close = p.action == schedule::PollAction::close;
    plan.reason = p.reason;
    return plan;
  }

  TimePoint close_deadline(const orders::Order& order) const override {
    return schedule::stale_close_deadline(order, cal_, cfg_);
  }

  TimePoint close_deadline_after_return(const orders::Order& order, TimePoint returned_at) const override {
    return schedule::close_deadline_after_return(order, returned_at, cal_, cfg_);
  }

private:
  schedule::PollPolicyConfig cfg_;
  const schedule::SettlementCalendar& cal_;
  PushSource push_;
};

} // namespace

std::unique_ptr<Planner> make_policy_planner(schedule::PollPolicyConfig config,
                                             const schedule::SettlementCalendar& calendar, PushSource push) {
  return std::make_unique<PolicyPlanner>(std::move(config), calendar, std::move(push));
}

} // namespace recharged::engine
