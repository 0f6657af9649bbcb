#pragma once

#include "core/money.hpp"
#include "core/time.hpp"
#include "orders/order.hpp"
#include "storage/database.hpp"

#include <optional>
#include <string>
#include <vector>

namespace recharged::storage {

// Money a bank sent back to the payer (RECHARGE.FUND_RETURNED), one row per recharge_returned_id.
struct FundReturnRecord {
  std::string recharge_returned_id;
  std::string recharge_channel;
  std::optional<Fen> amount;
  std::string currency;
  std::optional<TimePoint> return_time;
  std::string return_reason;
  std::string bank_name;
  std::string bank_card_tail;
  std::string bank_account_name;
  TimePoint received_at{};
};

// A change to one order, applied atomically with its events. Only fields that are set are written.
struct OrderUpdate {
  std::int64_t order_id = 0;
  // Compare-and-set guard: the update applies only if the order is in this state right now.
  // Required whenever new_state is set; optional otherwise (then it still guards against racing writers).
  std::optional<orders::OrderState> expect_state;
  std::optional<orders::OrderState> new_state; // final_at := updated_at when this is terminal
  TimePoint updated_at{};

  std::optional<std::string> recharge_id, recharge_url, platform_state, platform_state_desc, recharge_channel;
  std::optional<TimePoint> applied_at, accept_time, success_time, close_time;
  std::optional<TimePoint> last_poll_at;
  bool set_next_poll = false;              // when true, next_poll_at := next_poll_at (nullopt -> NULL); an
                                           // order that is not open afterwards has no next poll either way
  std::optional<TimePoint> next_poll_at;
  std::optional<std::string> next_poll_reason;
  std::optional<TimePoint> close_after;
  int poll_count_delta = 0;
  std::optional<int> failure_streak;
  std::optional<std::string> last_error;
  std::optional<TimePoint> apply_lease_until; // extends the apply lease (the holder is about to apply)
  bool release_apply_lease = false;           // the apply's outcome is recorded: anyone may recover the order now

  std::vector<orders::OrderEvent> events; // appended in order; order_id is filled in by the store
  std::optional<FundReturnRecord> fund_return; // inserted once per recharge_returned_id (a repeat is ignored)
};

// How durable `update` must be before the caller goes on. Synced: everything that moves the order or leads to an
// action outside — a state change (and its feed row, which a webhook announces), an apply lease taken, extended
// or released, a fund return, the apply's own facts (recharge_url, applied_at, close_after), an alert, any event
// but an api_call. Unsynced: an observation that changes nothing else — "still RECHARGING", a failed query, the
// platform's fields as they stand, the poll count and the next poll. Losing one to a power loss costs one early
// poll: the order is due again at the time the previous synced commit set.
[[nodiscard]] Durability durability_of(const OrderUpdate& update);

// What committing a batch of updates returns: for each, the order as stored after it, or nullopt when its
// compare-and-set guard did not hold (it then wrote nothing).
using Committed = std::vector<std::optional<orders::Order>>;

// The order as `update` leaves it: what Sql::update_order (storage/order_sql.cpp) writes when the guard holds,
// computed without the database so the engine can plan the next poll on it before writing. The two definitions
// are held equal field by field by tests/unit/storage/order_update_test.cpp.
[[nodiscard]] orders::Order after_update(orders::Order order, const OrderUpdate& update);

} // namespace recharged::storage
