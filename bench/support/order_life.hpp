#pragma once

#include "engine/planner.hpp"
#include "orders/order.hpp"
#include "storage/order_store.hpp"
#include "wxpay/enums.hpp"

#include <optional>
#include <string>
#include <vector>

namespace recharged::bench {

// What happens to one generated order, decided up front (bench/support/order_mix.hpp draws these).
struct LifePlan {
  std::int64_t number = 0; // unique; becomes the out_recharge_no and the ids derived from it
  TimePoint created{};
  std::string sub_mchid;
  Fen amount = 100;
  std::vector<std::string> channels;                      // as requested; empty = all
  bool rejected = false;                                  // the apply is refused (→ REJECTED)
  std::optional<TimePoint> contradiction_at;              // from then on the platform reports another amount (→ SUSPECT)
  std::optional<wxpay::RechargeChannel> paid_by;          // nullopt: the payer never pays
  TimePoint lands_at{};                                   // when the payment lands (when paid_by)
  bool notified = true;                                   // SUCCESS is announced by a notification
  std::optional<TimePoint> returned_at;                   // a fund return is notified then
};

// One order as the store would hold it after living `plan` until `as_of`: the row, its events in order,
// and the notifications and fund return it received.
struct GeneratedOrder {
  orders::Order order;
  std::vector<orders::OrderEvent> events;
  std::vector<storage::NotificationRecord> notifications;
  std::optional<storage::FundReturnRecord> fund_return;
};

// Replays an order's life through the engine's own pure recorders (engine/order_recorder.hpp) and the
// configured Planner, call by call as OrderService and the notification handler make them, so every row
// and event is what the daemon would have written — without HTTP, signatures or a database.
class LifeSimulator {
public:
  LifeSimulator(const engine::Planner& planner, std::string sp_mchid);
  [[nodiscard]] GeneratedOrder live(const LifePlan& plan, TimePoint as_of) const;

private:
  const engine::Planner& planner_;
  std::string sp_mchid_;
};

} // namespace recharged::bench
