#include "schedule/push_health.hpp"

#include <algorithm>

namespace recharged::schedule {

std::string_view to_string(PushHealth h) noexcept {
  switch (h) {
  case PushHealth::healthy: return "healthy";
  case PushHealth::unhealthy: return "unhealthy";
  case PushHealth::unknown: break;
  }
  return "unknown";
}

PushHealthJudge::PushHealthJudge(const PollPolicyConfig& cfg, TimePoint now)
    : grace_(cfg.push_grace), miss_limit_(cfg.push_miss_limit), recover_count_(cfg.push_recover_count) {
  status_.since = now;
  status_.reason = "no verified notification yet; healthy after " + std::to_string(recover_count_) + " in a row";
}

void PushHealthJudge::configure(const PollPolicyConfig& cfg) {
  grace_ = cfg.push_grace;
  miss_limit_ = cfg.push_miss_limit;
  recover_count_ = cfg.push_recover_count;
}

bool PushHealthJudge::change(PushHealth to, TimePoint now, std::string reason) {
  if (status_.health == to) return false;
  status_.health = to;
  status_.since = now;
  status_.reason = std::move(reason);
  return true;
}

bool PushHealthJudge::verified(TimePoint now, std::string_view out_recharge_no) {
  ++status_.verified;
  status_.last_verified = now;
  status_.evidence = 0;
  ++status_.streak;
  if (auto it = pending_.find(out_recharge_no); it != pending_.end()) pending_.erase(it);
  if (off_ || status_.streak < recover_count_) return false;
  return change(PushHealth::healthy, now,
                std::to_string(status_.streak) + " verified notifications in a row, the last at " +
                    format_rfc3339(now));
}

bool PushHealthJudge::evidence(TimePoint now, const std::string& what) {
  ++status_.evidence;
  status_.streak = 0;
  if (status_.evidence < miss_limit_) return false;
  const std::string since =
      status_.last_verified ? "the last verified one at " + format_rfc3339(*status_.last_verified) : "the start";
  return change(PushHealth::unhealthy, now,
                std::to_string(status_.evidence) + " notifications lost or refused since " + since + "; latest: " +
                    what);
}

bool PushHealthJudge::refused(TimePoint now, std::string_view why) {
  ++status_.refused;
  return evidence(now, "a notification refused (" + std::string(why) + ") at " + format_rfc3339(now));
}

bool PushHealthJudge::lost(TimePoint now, std::string_view out_recharge_no, TimePoint success_time) {
  ++status_.lost;
  // Notifications verified after this payment landed: the endpoint worked then, so this one alone was lost.
  if (status_.last_verified && *status_.last_verified >= success_time) return false;
  return evidence(now, "order " + std::string(out_recharge_no) + " paid at " + format_rfc3339(success_time) +
                           ", found by a query with no notification within " + format_duration(grace_));
}

bool PushHealthJudge::found_paid(TimePoint now, std::string_view out_recharge_no, TimePoint success_time) {
  if (now - success_time > grace_) return lost(now, out_recharge_no, success_time);
  pending_.insert_or_assign(std::string(out_recharge_no), success_time);
  return false;
}

bool PushHealthJudge::tick(TimePoint now) {
  bool changed = false;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second + grace_ > now) {
      ++it;
      continue;
    }
    const std::string no = it->first;
    const TimePoint paid = it->second;
    it = pending_.erase(it);
    changed = lost(now, no, paid) || changed;
  }
  return changed;
}

std::optional<TimePoint> PushHealthJudge::next_tick() const {
  std::optional<TimePoint> next;
  for (const auto& [no, paid] : pending_) next = std::min(next.value_or(TimePoint::max()), paid + grace_);
  return next;
}

void PushHealthJudge::listener_off(TimePoint now) {
  off_ = true;
  change(PushHealth::unhealthy, now, "the notification listener is off ([notify] enabled = false)");
}

} // namespace recharged::schedule
