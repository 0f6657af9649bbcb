#pragma once

#include "core/clock.hpp"
#include "sandbox/outcome.hpp"
#include "sandbox/payer_model.hpp"
#include "sandbox/model.hpp"
#include "schedule/settlement_calendar.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace recharged::sandbox {

// Whether simulated payers act on new orders (manual: only pay_now() pays; tests use this).
enum class Payers { simulated, manual };
// Whether events are kept for advance() (drop: for in-process drivers that never read them).
enum class EventQueue { keep, drop };

struct PlatformConfig {
  std::string sp_mchid = "1900000001";
  std::vector<std::string> sub_mchids;     // accepted sub-merchants; empty = any (else 入账账户不存在)
  Millis link_ttl = std::chrono::hours{24 * 7}; // 充值链接有效期为7天
  std::uint64_t seed = 1;
  Payers payers = Payers::simulated;
  PayerMix payer_mix;
  EventQueue events = EventQueue::keep;
  std::string recharge_url_base = "https://sandbox.recharged.invalid/plat/recharge.html";
};

// Something that happened to an order, in platform time order.
enum class EventKind {
  applied,   // a new order was accepted
  paid,      // a payer sent money (it has not landed yet)
  succeeded, // money landed: SUCCESS                       → RECHARGE.SUCCESS
  returned,  // bank/online money was sent back              → RECHARGE.FUND_RETURNED
  refunded,  // QR money for a closed order went back to the payer's wallet (no notification)
  closed,    // closed by the merchant                       → RECHARGE.CLOSED
  expired,   // closed by the platform after the link TTL    → RECHARGE.CLOSED
};
[[nodiscard]] std::string_view to_string(EventKind k) noexcept;
// The notification an event causes ("RECHARGE.SUCCESS", …), or nullopt.
[[nodiscard]] std::optional<std::string_view> notification_type(EventKind k) noexcept;

struct PlatformEvent {
  EventKind kind = EventKind::applied;
  TimePoint at;
  std::optional<std::string> notify_url;            // from the apply; none = nobody to notify
  MchDeposit deposit;                                // the order after the event
  std::optional<std::string> remark;                 // from the apply (notifications carry it)
  std::optional<FundReturned> fund_returned;         // for `returned`
  std::optional<Payment> payment;                    // for paid, succeeded, returned, refunded
};

// How "pay now" money travels: by the settlement rules, or landing at once (demos, system-clock tests).
enum class Settlement { realistic, immediate };

struct PayRequest {
  RechargeChannel channel = RechargeChannel::qr_recharge;
  Settlement settlement = Settlement::realistic;
  std::optional<std::string> return_reason; // set: the money will be sent back with this reason
};

// The ground truth of one order, for tests and the control endpoint.
struct OrderTruth {
  MchDeposit deposit;        // exactly what a query answers now (in the plain AnswerShape)
  std::optional<std::string> notify_url;
  std::optional<std::string> remark;
  TimePoint applied_at;
  TimePoint expires_at;
  PayerPlan plan;            // the payer's payments, past and pending
  std::vector<FundReturned> returns;
  std::uint64_t applies = 0; // apply calls naming this out_recharge_no (1 = never applied twice)
  std::uint64_t queries = 0;
  std::uint64_t closes = 0;
};

struct PlatformCounters {
  std::uint64_t apply_calls = 0;       // every apply that reached the model, accepted or not
  std::uint64_t duplicate_applies = 0; // refused with 该业务充值单号已存在
  std::uint64_t queries = 0;
  std::uint64_t closes = 0;
  std::uint64_t orders = 0;
  std::uint64_t recharging = 0;
  std::uint64_t success = 0;
  std::uint64_t closed = 0;
  std::uint64_t fund_returns = 0;
};

// The simulated platform's order book and rules, without HTTP: apply/query/close as the real platform
// answers them, simulated payers, settlement, link expiry and fund returns, all in the time of `clock`.
// Every call first brings the book up to clock.now(), so answers never lag behind time. Events are queued
// for one consumer (advance()). Thread-safe (one mutex); `calendar` and `clock` must outlive it.
class Platform {
public:
  Platform(PlatformConfig config, const schedule::SettlementCalendar& calendar, const Clock& clock);
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  [[nodiscard]] Outcome<ApplyResponse> apply(const ApplyRequest& request);
  [[nodiscard]] Outcome<MchDeposit> query(std::string_view sub_mchid, std::string_view out_recharge_no);
  // Closes a RECHARGING order; a CLOSED or SUCCESS order is answered as it is (200 with the order, as the
  // close page documents: a payment that landed first stands).
  [[nodiscard]] Outcome<MchDeposit> close(std::string_view sub_mchid, std::string_view out_recharge_no);

  // Processes everything due up to clock.now() and hands over the events queued since the last call.
  [[nodiscard]] std::vector<PlatformEvent> advance();
  // When the next payment, settlement or expiry is due (nullopt: nothing pending).
  [[nodiscard]] std::optional<TimePoint> next_due() const;
  // Called (outside the lock) whenever events were queued, e.g. to wake the consumer. Set before use.
  void set_wakeup(std::function<void()> wakeup);

  // Control: the payer pays now, replacing whatever the simulated payer would still have done.
  // Refused (400 INVALID_REQUEST) unless the order is RECHARGING; 404 for an unknown order.
  [[nodiscard]] Outcome<OrderTruth> pay_now(std::string_view out_recharge_no, const PayRequest& request);
  [[nodiscard]] std::optional<OrderTruth> truth(std::string_view out_recharge_no) const;
  // Every order in apply order.
  [[nodiscard]] std::vector<OrderTruth> orders() const;
  [[nodiscard]] PlatformCounters counters() const;
  [[nodiscard]] std::uint64_t applies(std::string_view out_recharge_no) const;
  [[nodiscard]] const PlatformConfig& config() const noexcept { return config_; }
  [[nodiscard]] const Clock& clock() const noexcept { return clock_; }

private:
  struct Order;
  enum class DueKind { pay, land, expire };
  struct Due {
    TimePoint at;
    std::uint64_t seq = 0;
    DueKind kind = DueKind::land;
    std::string out_recharge_no;
    std::uint64_t generation = 0;
    std::size_t payment = 0;
    friend bool operator>(const Due& a, const Due& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };

  // Runs fn under the lock after bringing the book up to now; wakes the consumer afterwards if needed.
  template <class Fn>
  auto locked(Fn&& fn);
  Order& create_locked(const ApplyRequest& request, TimePoint now);
  void process_due_locked(TimePoint now);
  void handle_land(Order& order, const Payment& p, TimePoint at);
  void credit(Order& order, const Payment& p, TimePoint at);
  void send_back(Order& order, const Payment& p, std::string reason, TimePoint at);
  void close_locked(Order& order, TimePoint at, std::string_view reason);
  void schedule_plan_locked(Order& order, std::size_t from);
  void emit_locked(EventKind kind, const Order& order, TimePoint at, std::optional<Payment> payment = std::nullopt,
                   std::optional<FundReturned> returned = std::nullopt);
  [[nodiscard]] Order* find_locked(std::string_view out_recharge_no);
  [[nodiscard]] const Order* find_locked(std::string_view out_recharge_no) const;
  [[nodiscard]] OrderTruth truth_locked(const Order& order) const;
  [[nodiscard]] std::string next_recharge_id(TimePoint at);

  PlatformConfig config_;
  const Clock& clock_;
  PayerModel payers_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Order>> orders_;
  std::vector<const Order*> order_list_;
  std::unordered_map<std::string, std::uint64_t> apply_counts_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::vector<PlatformEvent> events_;
  PlatformCounters counters_;
  std::uint64_t seq_ = 0;
  std::uint64_t next_id_ = 1;
  bool wake_needed_ = false;
  std::function<void()> wakeup_;
};

} // namespace recharged::sandbox
