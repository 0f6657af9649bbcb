#pragma once

#include "core/time.hpp"
#include "schedule/poll_policy_config.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace recharged::schedule {

// Whether WeChat Pay's notifications reach us, as judged from what the daemon sees (schedule/README.md, "Push
// health"). unknown: not enough evidence yet (the start); the full schedule applies until healthy.
enum class PushHealth { unknown, healthy, unhealthy };
[[nodiscard]] std::string_view to_string(PushHealth h) noexcept; // "unknown", "healthy", "unhealthy"

// What planning needs of push health: the state and since when. The safety net applies only when healthy and
// PollPolicyConfig::push_aware.
struct PushView {
  PushHealth health = PushHealth::unknown;
  TimePoint since{};
};

// The judge's state and its evidence, for /metrics, /healthz and logs.
struct PushStatus {
  PushHealth health = PushHealth::unknown;
  TimePoint since{};
  std::string reason;                      // why, in words, with the evidence that decided it
  std::optional<TimePoint> last_verified;  // when the last verified notification was received
  std::uint64_t verified = 0;              // verified notifications since start
  std::uint64_t lost = 0;                  // payments found by queries whose notification did not come in time
  std::uint64_t refused = 0;               // notifications refused (signature, decryption, storage)
  int evidence = 0;                        // lost + refused since the last verified notification
  int streak = 0;                          // verified notifications since the last lost or refused one
};

// The push-health rule, pure and deterministic: fed what the daemon (or the benchmark's replay) sees, with the
// time it saw it. Turns unhealthy when push_miss_limit lost or refused notifications come with no verified
// notification after them (a lost notification counts only when nothing verified was received since its
// payment: one lost among notifications that keep arriving is an isolated loss, not an outage); turns healthy
// after push_recover_count verified notifications with nothing lost or refused between them. Not thread-safe.
class PushHealthJudge {
public:
  PushHealthJudge(const PollPolicyConfig& cfg, TimePoint now);

  // Each returns true when the health changed (status().reason then says why).
  // A notification that verified (signature, decryption), whatever it said; `out_recharge_no` may be "".
  bool verified(TimePoint now, std::string_view out_recharge_no);
  // A notification the listener refused or could not record (`why`: bad_signature, decrypt, stale, …).
  bool refused(TimePoint now, std::string_view why);
  // A query (not a notification) moved an order to SUCCESS; the platform says the money landed at `success_time`.
  // Lost at once when that is more than push_grace ago; else lost at success_time + push_grace unless a
  // verified notification for the order comes first (tick() decides).
  bool found_paid(TimePoint now, std::string_view out_recharge_no, TimePoint success_time);
  // Decides the payments whose grace has run out by `now`.
  bool tick(TimePoint now);
  // The next instant tick() has something to decide (nullopt: nothing pending).
  [[nodiscard]] std::optional<TimePoint> next_tick() const;
  // The notification listener is off ([notify] enabled = false): unhealthy for good.
  void listener_off(TimePoint now);
  // Takes the knobs of a reloaded config; the state and evidence stay.
  void configure(const PollPolicyConfig& cfg);

  [[nodiscard]] const PushStatus& status() const noexcept { return status_; }
  [[nodiscard]] PushView view() const noexcept { return {status_.health, status_.since}; }

private:
  bool lost(TimePoint now, std::string_view out_recharge_no, TimePoint success_time);
  bool evidence(TimePoint now, const std::string& what);
  bool change(PushHealth to, TimePoint now, std::string reason);

  Millis grace_;
  int miss_limit_;
  int recover_count_;
  bool off_ = false;
  PushStatus status_;
  std::map<std::string, TimePoint, std::less<>> pending_; // found paid within the grace: no -> success_time
};

} // namespace recharged::schedule
