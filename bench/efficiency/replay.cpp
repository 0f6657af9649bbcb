#include "bench/efficiency/replay.hpp"

#include "core/clock.hpp"
#include "schedule/poll_policy.hpp"

#include <algorithm>
#include <functional>
#include <queue>

namespace recharged::bench::efficiency {
namespace {

using orders::OrderState;
using sandbox::RechargeState;

// A visit due at `at` for order `index`; ties keep the order they were planned in.
struct Due {
  TimePoint at;
  std::uint64_t seq = 0;
  std::size_t index = 0;
  friend bool operator>(const Due& a, const Due& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
};

orders::Order local_order(const OrderSpec& spec, TimePoint now) {
  orders::Order o;
  o.out_recharge_no = spec.out_recharge_no;
  o.sub_mchid = "1900000101";
  o.amount = spec.amount;
  for (const auto c : spec.channels) o.channels.emplace_back(sandbox::to_string(c));
  o.state = OrderState::new_order;
  o.created_at = now;
  o.updated_at = now;
  return o;
}

// One strategy's run: the platform, the clock and every order's record.
class Replay {
public:
  Replay(const Workload& w, const std::vector<OrderSpec>& specs, Strategy s, const schedule::SettlementCalendar& cal,
         const schedule::PollPolicyConfig& cfg)
      : strategy_(s), cal_(cal), cfg_(cfg), clock_(specs.empty() ? TimePoint{} : specs.front().apply_at),
        platform_(platform_config(w), cal, clock_) {
    for (const auto& spec : specs) {
      records_.push_back(OrderRecord{spec, local_order(spec, spec.apply_at), 0, std::nullopt, {}});
      push(spec.apply_at, records_.size() - 1);
    }
    next_.resize(records_.size());
  }

  ReplayResult run() {
    while (!due_.empty()) {
      const Due d = due_.top();
      due_.pop();
      if (d.at > clock_.now()) clock_.set(d.at);
      visit(d.index);
    }
    finish();
    ReplayResult out;
    out.strategy = strategy_;
    out.platform = platform_.counters();
    out.calls = calls_;
    out.close_latest_age = cfg_.close_latest_age;
    out.orders = std::move(records_);
    return out;
  }

private:
  static sandbox::PlatformConfig platform_config(const Workload& w) {
    sandbox::PlatformConfig pc;
    pc.seed = w.seed;
    pc.payer_mix = w.payers;
    pc.payers = sandbox::Payers::simulated;
    pc.events = sandbox::EventQueue::drop; // every notification is lost: nobody reads the events
    return pc;
  }

  static std::optional<TimePoint> return_time_of(const sandbox::MchDeposit& d) {
    if (d.bank_transfer_info && d.bank_transfer_info->return_time) return d.bank_transfer_info->return_time;
    if (d.online_bank_recharge_info) return d.online_bank_recharge_info->return_time;
    return std::nullopt;
  }

  void push(TimePoint at, std::size_t index) { due_.push(Due{at, seq_++, index}); }

  void visit(std::size_t index) {
    OrderRecord& r = records_[index];
    const TimePoint now = clock_.now();
    if (r.local.state == OrderState::new_order) apply(r);
    else if (r.local.state == OrderState::closing || next_[index].close) close_procedure(r);
    else query(r);
    if (!orders::is_open(r.local.state)) return;
    const Visit v = next_visit(strategy_, r.local, now, cal_, cfg_);
    if (v.at == TimePoint::max()) return; // the strategy gave up on the order
    next_[index] = v;
    push(std::max(v.at, now), index);
  }

  void apply(OrderRecord& r) {
    ++r.calls;
    ++calls_;
    const auto answer = platform_.apply(apply_request(r.spec));
    const TimePoint now = clock_.now();
    if (!answer) {
      r.local.state = OrderState::rejected;
      return;
    }
    r.local.state = OrderState::recharging;
    r.local.applied_at = now;
    r.local.recharge_id = answer->recharge_id;
    r.local.close_after = schedule::stale_close_deadline(r.local, cal_, cfg_);
  }

  // One query, recorded as the engine records it; returns the platform's state (nullopt on a refusal).
  std::optional<RechargeState> query(OrderRecord& r) {
    ++r.calls;
    ++calls_;
    const auto answer = platform_.query(r.local.sub_mchid, r.local.out_recharge_no);
    const TimePoint now = clock_.now();
    ++r.local.poll_count;
    r.local.last_poll_at = now;
    if (!answer) {
      ++r.local.failure_streak;
      return std::nullopt;
    }
    r.local.failure_streak = 0;
    const RechargeState state = answer->recharge_state;
    if (state == RechargeState::success) {
      r.local.state = OrderState::success;
      if (!r.detected_at) r.detected_at = now;
    } else if (state == RechargeState::closed) {
      r.local.state = OrderState::closed;
    } else if (const auto returned = return_time_of(*answer)) {
      // engine::defer_close_for_return: a payment sent back moves the close past the payer's likely retry.
      r.local.close_after = schedule::close_deadline_after_return(r.local, *returned, cal_, cfg_);
    }
    return state;
  }

  // engine::OrderService::close_procedure: final query; if still RECHARGING, CLOSING, the close call, and a
  // confirming query whatever the close answered (a payment that landed meanwhile is recorded SUCCESS).
  void close_procedure(OrderRecord& r) {
    if (query(r) != RechargeState::recharging) return;
    if (r.local.state == OrderState::recharging && clock_.now() < r.local.close_after) return; // moved by a return
    r.local.state = OrderState::closing;
    ++r.calls;
    ++calls_;
    (void)platform_.close(r.local.sub_mchid, r.local.out_recharge_no);
    (void)query(r);
  }

  // Past every link's expiry, so expiries and late landings are on the platform's record.
  void finish() {
    TimePoint last = clock_.now();
    for (const auto& r : records_)
      if (r.local.applied_at) last = std::max(last, *r.local.applied_at + std::chrono::days{8});
    clock_.set(last);
    (void)platform_.advance();
    for (auto& r : records_)
      if (auto t = platform_.truth(r.spec.out_recharge_no)) r.truth = std::move(*t);
  }

  Strategy strategy_;
  const schedule::SettlementCalendar& cal_;
  const schedule::PollPolicyConfig& cfg_;
  ManualClock clock_;
  sandbox::Platform platform_;
  std::vector<OrderRecord> records_;
  std::vector<Visit> next_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::uint64_t seq_ = 0;
  std::uint64_t calls_ = 0;
};

} // namespace

ReplayResult replay(const Workload& workload, const std::vector<OrderSpec>& orders, Strategy strategy,
                    const schedule::SettlementCalendar& cal, const schedule::PollPolicyConfig& cfg) {
  Replay r(workload, orders, strategy, cal, cfg);
  return r.run();
}

} // namespace recharged::bench::efficiency
