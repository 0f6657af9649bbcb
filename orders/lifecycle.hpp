#pragma once

#include "orders/order.hpp"
#include "wxpay/models.hpp"

#include <string>
#include <vector>

namespace recharged::orders {

// The order state machine (README, "Order lifecycle"). Pure.
[[nodiscard]] bool transition_allowed(OrderState from, OrderState to) noexcept;

enum class Verdict {
  none,  // nothing to change (the answer agrees with us, or the order is held)
  move,  // walk `path`, one state_changed event per step
  alert, // the platform contradicts a terminal or held order: record an alert, move nothing
};

struct Decision {
  Verdict verdict = Verdict::none;
  std::vector<OrderState> path; // for move: e.g. {RECHARGING, SUCCESS} for a recovered NEW order
  std::string reason;           // one sentence for the event and the log
};

// Decides what a verified platform view of an order means for our record: the funds-safety gate (the
// sub-merchant, order number, recharge id, amount, currency and account type must match ours, else SUSPECT)
// and the lifecycle rules (terminal states never move; a contradiction only raises an alert; an unknown
// recharge_state is kept as text and moves nothing). recharge_amount's members are optional (选填): an absent
// currency is CNY; a SUCCESS without an amount is accepted on the identifiers alone when our recorded
// recharge_id matches (else SUSPECT). The reason names a missing amount and any unreadable optional fields
// with their text (README, "Funds-safety gate"). Pure: same inputs, same decision.
[[nodiscard]] Decision reconcile(const Order& local, const wxpay::MchDeposit& platform);

} // namespace recharged::orders
