#include "daemon/push_watch.hpp"

#include "logging/event_line.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <array>

namespace recharged::daemon {

using logging::EventLine;

namespace {

// Whether the notification verified (signature and decryption), whatever it said.
bool is_verified(orders::NotificationOutcome outcome) {
  using orders::NotificationOutcome;
  switch (outcome) {
  case NotificationOutcome::applied:
  case NotificationOutcome::confirmed:
  case NotificationOutcome::alert:
  case NotificationOutcome::duplicate:
  case NotificationOutcome::fund_returned:
  case NotificationOutcome::queued_for_query:
  case NotificationOutcome::ignored:
  case NotificationOutcome::unknown_order: return true;
  case NotificationOutcome::bad_signature:
  case NotificationOutcome::probe:
  case NotificationOutcome::stale:
  case NotificationOutcome::malformed:
  case NotificationOutcome::decrypt:
  case NotificationOutcome::storage_error: return false;
  }
  return false;
}

} // namespace

PushWatch::PushWatch(const schedule::PollPolicyConfig& cfg, Clock& clock, std::shared_ptr<spdlog::logger> log,
                     bool listener_on)
    : clock_(clock), log_(std::move(log)), judge_(cfg, clock.now()), push_aware_(cfg.push_aware) {
  // Unknown at start: orders a previous run planned on the safety net return to the full schedule too.
  replan_.store(true);
  if (listener_on) return;
  judge_.listener_off(clock.now());
  changed();
}

schedule::PushView PushWatch::view() const {
  std::lock_guard lock(mu_);
  return judge_.view();
}

schedule::PushStatus PushWatch::status() const {
  std::lock_guard lock(mu_);
  return judge_.status();
}

schedule::PollSchedule PushWatch::schedule() const {
  std::lock_guard lock(mu_);
  return push_aware_ && judge_.status().health == schedule::PushHealth::healthy ? schedule::PollSchedule::safety_net
                                                                                 : schedule::PollSchedule::full;
}

void PushWatch::changed() {
  const auto& st = judge_.status();
  EventLine line("push_health_changed");
  line.kv("health", std::string(schedule::to_string(st.health))).kv("reason", st.reason);
  line.kv("schedule", push_aware_ && st.health == schedule::PushHealth::healthy ? "safety net" : "full");
  if (st.health == schedule::PushHealth::unhealthy) {
    log_->warn(line.str());
    replan_.store(true);
  } else {
    log_->info(line.str());
  }
}

void PushWatch::notification(const notify::Reply& reply) {
  if (reply.outcome == orders::NotificationOutcome::probe) return;
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.now();
  const bool turned = is_verified(reply.outcome) ? judge_.verified(now, reply.out_recharge_no)
                                                 : judge_.refused(now, orders::to_string(reply.outcome));
  if (turned) changed();
}

void PushWatch::found_paid(const orders::Order& order, TimePoint at) {
  if (!order.success_time) return;
  std::lock_guard lock(mu_);
  if (judge_.found_paid(at, order.out_recharge_no, *order.success_time)) changed();
}

void PushWatch::tick() {
  std::lock_guard lock(mu_);
  if (judge_.tick(clock_.now())) changed();
}

std::optional<TimePoint> PushWatch::next_tick() const {
  std::lock_guard lock(mu_);
  return judge_.next_tick();
}

void PushWatch::configure(const schedule::PollPolicyConfig& cfg) {
  std::lock_guard lock(mu_);
  judge_.configure(cfg);
  push_aware_ = cfg.push_aware;
}

void PushWatch::gauges(std::vector<Gauge>& g) const {
  const schedule::PushStatus st = status();
  const TimePoint now = clock_.now();
  g.push_back({"recharged_push_healthy", "gauge",
               "1 while notifications are judged to arrive (open orders then follow the safety net); 0 when unknown "
               "or unhealthy (see /healthz push.reason).",
               {}, st.health == schedule::PushHealth::healthy ? 1.0 : 0.0});
  g.push_back({"recharged_push_state_seconds", "gauge", "How long push health has been in its current state.",
               {{"state", std::string(schedule::to_string(st.health))}},
               std::chrono::duration<double>(now - st.since).count()});
  g.push_back({"recharged_push_lost_notifications_total", "counter",
               "Payments a query found with no notification within push_grace of their landing.", {},
               static_cast<double>(st.lost)});
  g.push_back({"recharged_push_refused_notifications_total", "counter",
               "Notifications refused (signature, decryption, malformed, storage) since start.", {},
               static_cast<double>(st.refused)});
  g.push_back({"recharged_push_verified_notifications_total", "counter", "Verified notifications since start.", {},
               static_cast<double>(st.verified)});
}

Result<storage::Committed> PushEvidenceSink::commit(std::vector<storage::OrderUpdate> updates) {
  // Which updates record a SUCCESS that no notification brought; read before `updates` moves.
  std::vector<std::pair<std::size_t, TimePoint>> found;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const auto& u = updates[i];
    if (u.new_state != orders::OrderState::success) continue;
    const bool notified = std::any_of(u.events.begin(), u.events.end(), [](const orders::OrderEvent& e) {
      return e.source == orders::EventSource::notify;
    });
    if (!notified) found.emplace_back(i, u.updated_at);
  }
  RECHARGED_TRY(storage::Committed stored, inner_.commit(std::move(updates)));
  for (const auto& [i, at] : found)
    if (i < stored.size() && stored[i]) watch_.found_paid(*stored[i], at);
  return stored;
}

Result<std::int64_t> replan_open_orders(storage::OrderStore& store, const engine::Planner& planner, TimePoint now) {
  storage::ListFilter filter;
  filter.states = {orders::OrderState::recharging};
  filter.limit = 500;
  std::int64_t moved = 0;
  for (;;) {
    RECHARGED_TRY(const storage::ListPage page, store.list(filter));
    std::vector<storage::OrderUpdate> updates;
    for (const auto& o : page.orders) {
      const engine::Plan plan = planner.next(o, now);
      if (o.next_poll_at && plan.at >= *o.next_poll_at) continue;
      storage::OrderUpdate u;
      u.order_id = o.id;
      u.expect_state = o.state;
      u.updated_at = now;
      u.set_next_poll = true;
      u.next_poll_at = plan.at == TimePoint::max() ? std::nullopt : std::optional<TimePoint>(plan.at);
      u.next_poll_reason = plan.reason;
      updates.push_back(std::move(u));
    }
    if (!updates.empty()) {
      RECHARGED_TRY(const storage::Committed stored, store.commit(updates));
      moved += std::count_if(stored.begin(), stored.end(), [](const auto& o) { return o.has_value(); });
    }
    if (!page.next) return moved;
    filter.after = page.next;
  }
}

} // namespace recharged::daemon
