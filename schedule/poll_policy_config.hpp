#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "schedule/backoff.hpp"

#include <chrono>
#include <span>
#include <string>
#include <string_view>

namespace recharged::schedule {

// The platform closes an unpaid order this long after it accepted it (seed: "充值链接有效期为7天").
inline constexpr Millis k_link_lifetime{std::chrono::days{7}};
// Our stale close starts at least this long before the link expires. Only a close that waits for an interbank
// reopening comes this near (others start at 6 d). Its calls take seconds; 5 min still fits five attempts when
// every one times out (15 s) and every backoff wait (5 s, 15 s, 45 s, 135 s) is the longest it can be.
inline constexpr Millis k_close_margin{std::chrono::minutes{5}};

// Every knob of the polling policy, with the defaults tuned by tests/unit/schedule/simulation (see its
// report). The TOML [schedule] key of each field is its name; durations are written "90s", "10m", "6d".
// "Age" is the time since the platform accepted the order (Order::applied_at, else created_at).
struct PollPolicyConfig {
  // new_recovery_delay: a NEW order (apply outcome unknown) is queried this long after it was created.
  Millis new_recovery_delay{std::chrono::seconds{30}};
  // dense_window: how long after acceptance a QR / online-bank payer is likely still on the payment page.
  Millis dense_window{std::chrono::minutes{30}};
  // dense_interval: query spacing while a QR / online-bank payer may be on the page.
  Millis dense_interval{std::chrono::seconds{90}};
  // instant_settle_delay: QR and online-bank payments land within this; it extends the dense window.
  Millis instant_settle_delay{std::chrono::minutes{3}};
  // decay_ratio: past a dense phase, the spacing grows by this fraction of the time since the phase ended.
  double decay_ratio = 0.5;
  // max_interval: the longest gap between two queries of an open order, whatever its age.
  Millis max_interval{std::chrono::hours{8}};
  // bank_window: how long after acceptance bank-transfer payers are polled at bank_interval (open hours only).
  Millis bank_window{std::chrono::hours{12}};
  // bank_interval: query spacing for orders that allow BANK_TRANSFER during bank_window.
  Millis bank_interval{std::chrono::minutes{8}};
  // bank_office_interval: past bank_window, the longest gap between queries of an order that allows BANK_TRANSFER
  // during office hours (09:00–17:15 Shanghai on working days), for transfers sent days after the apply (see
  // BENCHMARKS.md, polling efficiency); 0s = no office-hours cadence.
  Millis bank_office_interval{std::chrono::hours{1}};
  // bank_settle_delay: a bank transfer lands within this once the interbank system is open; reopen polls
  // come this long after each reopening.
  Millis bank_settle_delay{std::chrono::minutes{10}};
  // bank_reopen_spread: reopen polls of many orders are spread over this much time after the settle delay.
  Millis bank_reopen_spread{std::chrono::minutes{1}};
  // bank_preclose_lead: a bank-only order's poll that would fall in a closed window is pulled back to this
  // long before the window closes (unless the previous poll was within min_spacing). Short, because a transfer
  // landing after the look stays unseen until the reopening, days later before a weekend or holiday.
  Millis bank_preclose_lead{std::chrono::seconds{1}};
  // min_spacing: an order is never queried twice within this (except the stale close at its deadline).
  Millis min_spacing{std::chrono::seconds{10}};
  // jitter_ratio: each planned gap moves by a deterministic ±(this fraction) so orders never poll in lock-step.
  double jitter_ratio = 0.1;
  // jitter_max: the largest jitter of any one poll and of the stale-close deadline (which only moves earlier).
  Millis jitter_max{std::chrono::minutes{5}};
  // stale_close_age: age at which an unpaid order is closed (final query, close, confirming query).
  Millis stale_close_age{std::chrono::days{6}};
  // close_latest_age: the latest age at which the close of an order that allows BANK_TRANSFER may start. Past
  // stale_close_age the close waits for the last interbank reopening + bank_settle_delay that comes before this
  // age (see stale_close_deadline). At most, and by default, the link's 7 days minus k_close_margin.
  Millis close_latest_age{k_link_lifetime - k_close_margin};
  // close_return_wait: after the bank sends a payment back (wrong amount or account name), the payer usually
  // sends again: the stale close comes no earlier than this after the return (never past close_latest_age);
  // 0s = the close ignores returns.
  Millis close_return_wait{std::chrono::hours{12}};
  // closing_confirm_delay: a CLOSING order (close requested, outcome unconfirmed) is re-checked this soon.
  Millis closing_confirm_delay{std::chrono::seconds{30}};
  // backoff_base, backoff_cap, backoff_jitter: retries after failed calls (see backoff.hpp).
  BackoffConfig backoff;

  // Push awareness (schedule/README.md, "Push health"). push_aware: while notifications are judged to arrive
  // (PushHealthJudge), RECHARGING orders follow the safety net below instead of the full schedule above.
  bool push_aware = true;
  // safety_first_poll: the safety net's first query comes this long after acceptance.
  Millis safety_first_poll{std::chrono::minutes{10}};
  // safety_ratio: the safety net's spacing is this fraction of the order's age (at least safety_first_poll).
  double safety_ratio = 1.0;
  // safety_max_interval: the safety net's longest gap: the bound on finding a payment whose notification is lost.
  Millis safety_max_interval{std::chrono::hours{12}};
  // push_grace: a payment a query finds this long after its success_time, with no verified notification for
  // it by then, counts as a lost notification (the platform's first four attempts take 60 s).
  Millis push_grace{std::chrono::minutes{2}};
  // push_miss_limit: this many lost notifications (or notifications refused by verification) since the last
  // verified one turn push unhealthy.
  int push_miss_limit = 2;
  // push_recover_count: this many verified notifications in a row turn push healthy (at start and after trouble).
  int push_recover_count = 3;
};

// Checks every knob and their relations; the error names the key, the value and the rule.
[[nodiscard]] Status validate(const PollPolicyConfig& cfg);

// One [schedule] key: its name and a one-line meaning, for the example config and `--help` texts.
struct PollPolicyOption {
  std::string_view key;
  std::string_view meaning;
};
[[nodiscard]] std::span<const PollPolicyOption> poll_policy_options() noexcept;

// Sets the knob `key` from its config text ("90s", "0.25", "decorrelated"). Unknown keys and unparsable
// values are refused with a sentence naming both; `cfg` is unchanged then. Call validate() after the last key.
[[nodiscard]] Status set_poll_policy_option(PollPolicyConfig& cfg, std::string_view key, std::string_view value);
// The knob's current value in the same text form ("1m30s", "0.25", "decorrelated"); "" for an unknown key.
[[nodiscard]] std::string poll_policy_option_value(const PollPolicyConfig& cfg, std::string_view key);

} // namespace recharged::schedule
