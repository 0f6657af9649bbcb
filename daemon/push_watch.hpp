#pragma once

#include "core/clock.hpp"
#include "daemon/metrics.hpp"
#include "engine/planner.hpp"
#include "engine/update_sink.hpp"
#include "notify/notification_handler.hpp"
#include "schedule/poll_policy.hpp"
#include "schedule/push_health.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace spdlog {
class logger;
}

namespace recharged::daemon {

// The daemon's push-health judge (schedule::PushHealthJudge) fed with what the daemon sees: every notification
// the listener judged (verified or refused) and every committed update in which a query found an order paid.
// Logs each change (push_health_changed), and when push turns unhealthy asks the main loop to replan every
// open order on the full schedule (take_replan). Thread-safe.
class PushWatch {
public:
  // `listener_on`: [notify] enabled; without a listener push is unhealthy for good.
  PushWatch(const schedule::PollPolicyConfig& cfg, Clock& clock, std::shared_ptr<spdlog::logger> log,
            bool listener_on);

  // For the planner: the state the next plan uses.
  [[nodiscard]] schedule::PushView view() const;
  [[nodiscard]] schedule::PushStatus status() const;
  // The schedule open orders follow now (the safety net only while healthy and push_aware).
  [[nodiscard]] schedule::PollSchedule schedule() const;
  // A notification as the handler answered it (outcome "probe" says nothing about push).
  void notification(const notify::Reply& reply);
  // A query (not a notification) recorded `order` SUCCESS at `at`: the judge's evidence.
  void found_paid(const orders::Order& order, TimePoint at);
  // Decides payments whose grace has run out; the main loop calls it at least at next_tick().
  void tick();
  [[nodiscard]] std::optional<TimePoint> next_tick() const;
  // True once at start (push is unknown until judged) and once after each turn to unhealthy: the caller
  // replans the open orders.
  [[nodiscard]] bool take_replan() { return replan_.exchange(false); }
  // A reloaded [schedule]: the judge's knobs change, its state and evidence stay.
  void configure(const schedule::PollPolicyConfig& cfg);
  // /metrics: recharged_push_healthy and its evidence counters.
  void gauges(std::vector<Gauge>& g) const;

private:
  void changed(); // with mu_ held: log, and ask for a replan when unhealthy

  Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mu_;
  schedule::PushHealthJudge judge_;
  bool push_aware_; // guarded by mu_
  std::atomic<bool> replan_{false};
};

// An UpdateSink that shows PushWatch every update it commits through `inner`.
class PushEvidenceSink final : public engine::UpdateSink {
public:
  PushEvidenceSink(engine::UpdateSink& inner, PushWatch& watch) : inner_(inner), watch_(watch) {}
  [[nodiscard]] Result<storage::Committed> commit(std::vector<storage::OrderUpdate> updates) override;

private:
  engine::UpdateSink& inner_;
  PushWatch& watch_;
};

// Replans every RECHARGING order with `planner` and moves its next poll earlier where the plan says so (push
// turned unhealthy: the full schedule applies to every open order at once, not at each one's next safety-net
// poll). Returns how many orders were moved.
[[nodiscard]] Result<std::int64_t> replan_open_orders(storage::OrderStore& store, const engine::Planner& planner,
                                                      TimePoint now);

} // namespace recharged::daemon
