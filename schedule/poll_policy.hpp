#pragma once

#include "core/time.hpp"
#include "orders/order.hpp"
#include "schedule/poll_policy_config.hpp"
#include "schedule/push_health.hpp"
#include "schedule/settlement_calendar.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::schedule {

// What the daemon does when a planned poll is due.
//   query: one query by out_recharge_no.
//   close: the stale-order procedure: a final query, then (if still RECHARGING) the close call, then a
//          confirming query; an order paid meanwhile is recorded SUCCESS, never closed.
enum class PollAction { query, close };
[[nodiscard]] std::string_view to_string(PollAction a) noexcept; // "query", "close"
[[nodiscard]] std::optional<PollAction> parse_poll_action(std::string_view text) noexcept;

// Which rule chose a poll; its to_string is the stable prefix of PlannedPoll::reason.
enum class PollRule {
  recovery,      // "new": NEW order, apply outcome unknown: query before ever applying again
  qr_window,     // "qr window": dense polls while a QR / online-bank payer may be on the page
  decay,         // "decay": after the dense window, spacing grows with age (capped by max_interval)
  bank_open,     // "bank open": bank-transfer polls during open interbank hours
  bank_office,   // "bank office": past the bank window, hourly in office hours for transfers sent days later
  bank_preclose, // "bank preclose": last look before a closed window (bank-only orders)
  bank_reopen,   // "bank": just after the interbank system reopens + settlement delay
  backoff,       // "backoff": retry after consecutive failures
  stale_close,   // "stale": the stale-order close
  closing,       // "closing": confirm a requested close
  terminal,      // "terminal": SUCCESS, CLOSED or REJECTED: never polled again
  suspect,       // "suspect": quarantined for an operator: automation never polls it
  safety_net,    // "safety net": push is healthy: sparse polls for a lost notification (push_aware)
};
[[nodiscard]] std::string_view to_string(PollRule r) noexcept;

// The next thing to do for an order. `reason` starts with to_string(rule) and a colon, then says why in
// words an operator understands at 3 a.m. ("bank: interbank reopens Mon 20:30 +10m settlement").
struct PlannedPoll {
  TimePoint at;
  PollAction action = PollAction::query;
  std::string reason;
  PollRule rule = PollRule::terminal;
};

// False for terminal and SUSPECT orders, whose plan has at == TimePoint::max() (store next_poll_at NULL).
[[nodiscard]] bool is_scheduled(const PlannedPoll& p) noexcept;

// Which payment channels an order allows (available_recharge_channels; empty = all three).
struct ChannelProfile {
  bool instant = false; // QR_RECHARGE or ONLINE_BANK (or an unknown channel: assume it can land any time)
  bool bank = false;    // BANK_TRANSFER
};
[[nodiscard]] ChannelProfile channel_profile(const orders::Order& order) noexcept;

// The instant the stale-order close starts, to store in Order::close_after when the platform accepts the
// order: age stale_close_age (minus a deterministic jitter of up to jitter_max, so orders created together do
// not close together). For orders that allow BANK_TRANSFER, later when an interbank reopening comes before
// close_latest_age: just after the last such reopening + bank_settle_delay, never past close_latest_age, so no
// held transfer lands between the close and that age. Age counts from applied_at, else created_at. Pure.
[[nodiscard]] TimePoint stale_close_deadline(const orders::Order& order, const SettlementCalendar& cal,
                                             const PollPolicyConfig& cfg);

// The close of an open order whose payment the bank sent back at `returned_at` (a query's
// bank_transfer_info / online_bank_recharge_info return_time): a payer told "wrong amount" or "wrong account
// name" usually sends again, so the close comes no earlier than close_return_wait after the return, never past
// close_latest_age (no reopening is left to wait for there: the stored close already waited for the last one).
// Never earlier than the order's stored close_after. Equal to it when close_return_wait is 0s or the return is
// old. Pure.
[[nodiscard]] TimePoint close_deadline_after_return(const orders::Order& order, TimePoint returned_at,
                                                    const SettlementCalendar& cal, const PollPolicyConfig& cfg);

// Which schedule a RECHARGING order follows: the full one, or the safety net while push is healthy and
// cfg.push_aware (spacing safety_ratio × age, from safety_first_poll up to safety_max_interval; the stale close,
// its final query, backoff and min_spacing as on the full schedule).
enum class PollSchedule { full, safety_net };
[[nodiscard]] std::string_view to_string(PollSchedule s) noexcept; // "full", "safety net"
[[nodiscard]] PollSchedule schedule_for(const PollPolicyConfig& cfg, const PushView& push) noexcept;
// Why that schedule applies, in words ("push healthy since …", "push_aware = false", …).
[[nodiscard]] std::string schedule_why(const PollPolicyConfig& cfg, const PushView& push);

// When to query `order` next and why; pure and thread-safe. NEW: a recovery query; RECHARGING: the earliest
// of the QR/online-bank cadence (dense, then decaying), the bank cadence (open interbank hours only) and a
// poll after each interbank reopening + settlement; CLOSING: the close procedure again; terminal and SUSPECT:
// never. Failures back off. Never before `now` (overdue = due now), never within min_spacing of last_poll_at
// (the last attempt, failed or not), never after close_after (stale_close_deadline when unset): from there
// on the action is `close`. `push` selects the schedule (schedule_for); the default is the full one.
[[nodiscard]] PlannedPoll plan_next_poll(const orders::Order& order, TimePoint now, const SettlementCalendar& cal,
                                         const PollPolicyConfig& cfg, const PushView& push = {});

// The polls the policy would make from `from` until the order would be closed, assuming nothing changes (no
// payment, no failure after the first poll; a NEW order is found accepted at its recovery query). Ends with
// the close, or with the single unscheduled entry of a terminal/SUSPECT order, or after max_polls entries.
// For `recharged schedule explain|simulate`.
[[nodiscard]] std::vector<PlannedPoll> plan_until_close(const orders::Order& order, TimePoint from,
                                                        const SettlementCalendar& cal, const PollPolicyConfig& cfg,
                                                        std::size_t max_polls = 1000, const PushView& push = {});

} // namespace recharged::schedule
