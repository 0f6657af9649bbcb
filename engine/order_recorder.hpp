#pragma once

#include "core/error.hpp"
#include "engine/planner.hpp"
#include "orders/order.hpp"
#include "storage/order_store.hpp"
#include "wxpay/api_client.hpp"
#include "wxpay/models.hpp"

#include <string>
#include <vector>

namespace recharged::engine {

// How one API call went, for the event row.
struct CallMeta {
  std::optional<wxpay::Endpoint> endpoint = wxpay::Endpoint::query; // nullopt: no call (a notification)
  orders::EventSource source = orders::EventSource::poll;
  int http_status = 0;
  std::string request_id;
  std::string body; // verified answer JSON (evidence); empty for failures
  Millis latency{0};
};

// Pure builders of the storage updates that record what happened to an order. Each returns the updates
// to commit together (several when an order walks more than one state, e.g. NEW → RECHARGING → SUCCESS),
// each guarded by the state it expects, with the next poll planned on the order as it will then stand.
// `now` stamps every row. None of them performs I/O.

// A verified query/close answer, judged by orders::reconcile (funds-safety gate, lifecycle, alerts).
[[nodiscard]] std::vector<storage::OrderUpdate> record_view(const orders::Order& order, const wxpay::MchDeposit& view,
                                                            const CallMeta& meta, const Planner& planner, TimePoint now);
// A successful apply: NEW → RECHARGING with recharge_id and recharge_url, releasing the apply lease. On an order
// someone else has moved meanwhile: the call's event, and the recharge_url if the order has none.
[[nodiscard]] std::vector<storage::OrderUpdate> record_applied(const orders::Order& order,
                                                               const wxpay::ApplyResponse& answer, const CallMeta& meta,
                                                               const Planner& planner, TimePoint now);
// The order is refused for good: NEW → REJECTED with `message`, recorded with the call that settled it (the query
// that found the platform does not hold an order whose apply it refused).
[[nodiscard]] storage::OrderUpdate record_rejected(const orders::Order& order, std::string message,
                                                   const CallMeta& meta, TimePoint now);
// A failed call that changes no state: event, failure streak + 1, backoff via the planner (and, for an apply,
// the apply lease released).
[[nodiscard]] storage::OrderUpdate record_failure(const orders::Order& order, const Error& error, const CallMeta& meta,
                                                  const Planner& planner, TimePoint now);
// A state change we decide ourselves (RECHARGING → CLOSING before a close call).
[[nodiscard]] storage::OrderUpdate record_decision(const orders::Order& order, orders::OrderState to,
                                                   orders::EventSource source, std::string message,
                                                   const Planner& planner, TimePoint now);
// An alert with no state change (e.g. the platform does not know an order we hold as RECHARGING).
[[nodiscard]] storage::OrderUpdate record_alert(const orders::Order& order, std::string message, const CallMeta& meta,
                                                const Planner& planner, TimePoint now);

// A call outcome worth a row that changes nothing and is not a failure (e.g. "not known to the platform yet").
[[nodiscard]] storage::OrderUpdate record_note(const orders::Order& order, std::string message, const CallMeta& meta,
                                               const Planner& planner, TimePoint now);

// A payment the bank sent back at `returned_at` on a RECHARGING order: the payer may send again, so `u` moves
// the stale close to Planner::close_deadline_after_return and re-plans the next visit. Nothing when the close
// does not move (or the order is not RECHARGING).
void defer_close_for_return(storage::OrderUpdate& u, const orders::Order& order, TimePoint returned_at,
                            const Planner& planner, TimePoint now);

// Turns `u`, made by record_view from a notification's resource, into the update that notification makes: it
// counts no poll, and its events say which notification of `event_type` they came from. Returns the outcome to
// record with the notification: applied (it moves the order), alert or confirmed.
[[nodiscard]] orders::NotificationOutcome as_notification(storage::OrderUpdate& u, std::string_view event_type);

} // namespace recharged::engine
