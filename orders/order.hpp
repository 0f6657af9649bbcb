#pragma once

#include "core/money.hpp"
#include "core/time.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::orders {

// Local lifecycle (README, "Order lifecycle"). Stored as the upper-case text in orders.state.
//   NEW → RECHARGING → SUCCESS | CLOSED;  NEW → REJECTED;  RECHARGING → CLOSING → CLOSED | SUCCESS;
//   any non-terminal → SUSPECT (quarantined for a human; automation never moves it again).
enum class OrderState { new_order, recharging, closing, success, closed, rejected, suspect };
// Every state, in the order above: lists such as SQL's open states are built from it and is_open().
inline constexpr std::array k_order_states{OrderState::new_order, OrderState::recharging, OrderState::closing,
                                           OrderState::success,   OrderState::closed,     OrderState::rejected,
                                           OrderState::suspect};

[[nodiscard]] std::string_view to_string(OrderState s) noexcept; // "NEW", "RECHARGING", …
[[nodiscard]] std::optional<OrderState> parse_order_state(std::string_view text) noexcept;
// SUCCESS, CLOSED and REJECTED never change.
[[nodiscard]] bool is_terminal(OrderState s) noexcept;
// States the daemon still works on: NEW (recover), RECHARGING (poll), CLOSING (confirm the close).
[[nodiscard]] bool is_open(OrderState s) noexcept;

// Who caused an event. Stored as text in order_events.source.
enum class EventSource { apply, poll, notify, close, operator_action, recovery };
[[nodiscard]] std::string_view to_string(EventSource s) noexcept; // "apply", …, "operator", "recovery"
[[nodiscard]] std::optional<EventSource> parse_event_source(std::string_view text) noexcept;

// What an event records. Stored as text in order_events.kind.
enum class EventKind {
  created,       // the NEW row was written (before any HTTP call)
  state_changed, // old_state → new_state
  api_call,      // one API call outcome that changed no state (errors, "still RECHARGING", …)
  alert,         // the platform contradicts us, or something needs a human; nothing moved
  notification,  // a verified notification was received
  fund_returned, // RECHARGE.FUND_RETURNED: money sent back to the payer
};
[[nodiscard]] std::string_view to_string(EventKind k) noexcept;
[[nodiscard]] std::optional<EventKind> parse_event_kind(std::string_view text) noexcept;

// One recharge order: what we asked for, what the platform told us (verified), and our own bookkeeping.
// Platform enum fields are kept as the platform's text.
struct Order {
  std::int64_t id = 0;
  // Request (immutable after creation).
  std::string out_recharge_no;
  std::string sub_mchid;
  std::string recharge_scene;
  std::string account_type;
  Fen amount = 0;
  std::string currency = "CNY";
  std::string notify_url;
  std::vector<std::string> channels; // available_recharge_channels as requested; empty = all
  std::string remark;
  // Local state.
  OrderState state = OrderState::new_order;
  TimePoint created_at{};
  TimePoint updated_at{};
  std::optional<TimePoint> applied_at;   // when the platform accepted the apply (our clock)
  std::optional<TimePoint> final_at;     // when we recorded a terminal state (our clock)
  // Platform facts (verified answers only).
  std::string recharge_id;
  std::string recharge_url;
  std::string platform_state;            // last recharge_state seen, verbatim
  std::string platform_state_desc;
  std::string recharge_channel;          // set once SUCCESS
  std::optional<TimePoint> accept_time;
  std::optional<TimePoint> success_time;
  std::optional<TimePoint> close_time;
  // Scheduling.
  int poll_count = 0;                    // queries made
  int failure_streak = 0;                // consecutive failed calls, for backoff
  std::optional<TimePoint> last_poll_at;
  std::optional<TimePoint> next_poll_at; // null for terminal/SUSPECT orders
  std::string next_poll_reason;
  TimePoint close_after{};               // the stale-order deadline: close from here on
  std::string last_error;                // last failure, human-readable
  // The apply lease (NEW orders): until then only apply_lease_owner may send the apply; nullopt = free.
  std::optional<TimePoint> apply_lease_until;
  std::string apply_lease_owner;
};

// One append-only row of order_events.
struct OrderEvent {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  TimePoint at{};
  EventSource source = EventSource::poll;
  EventKind kind = EventKind::api_call;
  std::optional<OrderState> old_state;
  std::optional<OrderState> new_state;
  std::string endpoint;      // apply | query | close | "" (no call)
  int http_status = 0;
  std::string request_id;
  std::string error_code;
  std::string message;       // human-readable summary
  std::string evidence;      // the verified response / decrypted notification JSON, verbatim
  std::int64_t latency_ms = 0;
};

} // namespace recharged::orders
