#include "bench/efficiency/replay.hpp"

#include "core/clock.hpp"
#include "sandbox/notifier.hpp"
#include "sandbox/rng.hpp"
#include "schedule/poll_policy.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

namespace recharged::bench::efficiency {
namespace {

using orders::OrderState;
using sandbox::RechargeState;

// A visit due at `at` for order `index` (stale unless `generation` is the order's current one); ties keep the
// order they were planned in. Also a notification arriving at `at`.
struct Due {
  TimePoint at;
  std::uint64_t seq = 0;
  std::size_t index = 0;
  std::uint64_t generation = 0;
  sandbox::EventKind kind = sandbox::EventKind::succeeded; // notifications only
  friend bool operator>(const Due& a, const Due& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
};
using DueQueue = std::priority_queue<Due, std::vector<Due>, std::greater<>>;

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
        platform_(platform_config(w), cal, clock_), workload_(w), judge_(cfg, clock_.now()),
        retries_(sandbox::default_retry_schedule()) {
    next_.resize(specs.size());
    generation_.resize(specs.size());
    for (const auto& spec : specs) {
      records_.push_back(OrderRecord{spec, local_order(spec, spec.apply_at), 0, std::nullopt, false, {}});
      index_.emplace(spec.out_recharge_no, records_.size() - 1);
      push(spec.apply_at, records_.size() - 1);
    }
  }

  ReplayResult run() {
    for (;;) {
      TimePoint t = TimePoint::max();
      if (!due_.empty()) t = due_.top().at;
      if (!arrivals_.empty()) t = std::min(t, arrivals_.top().at);
      if (notifying()) t = std::min(t, platform_.next_due().value_or(TimePoint::max()));
      t = std::min(t, judge_.next_tick().value_or(TimePoint::max()));
      if (t == TimePoint::max()) break;
      if (t > clock_.now()) clock_.set(t);
      step();
    }
    finish();
    ReplayResult out;
    out.strategy = strategy_;
    out.platform = platform_.counters();
    out.calls = calls_;
    out.close_latest_age = cfg_.close_latest_age;
    out.notifications_sent = sent_;
    out.notifications_delivered = delivered_;
    out.push = std::move(push_);
    out.outage_start = workload_.outage_start;
    out.outage_length = workload_.outage_length;
    out.orders = std::move(records_);
    return out;
  }

private:
  static sandbox::PlatformConfig platform_config(const Workload& w) {
    sandbox::PlatformConfig pc;
    pc.seed = w.seed;
    pc.payer_mix = w.payers;
    pc.payers = sandbox::Payers::simulated;
    // Every notification lost: nobody reads the events.
    pc.events = w.notifications_lost < 1.0 ? sandbox::EventQueue::keep : sandbox::EventQueue::drop;
    return pc;
  }

  static std::optional<TimePoint> return_time_of(const sandbox::MchDeposit& d) {
    if (d.bank_transfer_info && d.bank_transfer_info->return_time) return d.bank_transfer_info->return_time;
    if (d.online_bank_recharge_info) return d.online_bank_recharge_info->return_time;
    return std::nullopt;
  }

  [[nodiscard]] bool notifying() const { return workload_.notifications_lost < 1.0; }

  void push(TimePoint at, std::size_t index) { due_.push(Due{at, seq_++, index, generation_[index]}); }

  // Everything due at clock.now(): the platform's events, notifications arriving, the judge's grace deadlines,
  // then one visit.
  void step() {
    const TimePoint now = clock_.now();
    if (notifying() && platform_.next_due().value_or(TimePoint::max()) <= now)
      for (const auto& event : platform_.advance()) notify(event);
    while (!arrivals_.empty() && arrivals_.top().at <= now) {
      const Due a = arrivals_.top();
      arrivals_.pop();
      arrive(a);
    }
    if (judge_.tick(now)) judged(now);
    if (due_.empty() || due_.top().at > now) return;
    const Due d = due_.top();
    due_.pop();
    if (d.generation == generation_[d.index] && orders::is_open(records_[d.index].local.state)) visit(d.index);
  }

  // The platform's notification for `event`, if any: lost with the workload's share, else delivered at the
  // first attempt of the retry schedule outside the outage (none when every attempt falls inside it).
  void notify(const sandbox::PlatformEvent& event) {
    if (!sandbox::notification_type(event.kind)) return;
    const auto it = index_.find(event.deposit.out_recharge_no);
    if (it == index_.end()) return;
    ++sent_;
    const std::string name = event.deposit.out_recharge_no + "/" + std::string(sandbox::to_string(event.kind)) +
                             "/" + format_rfc3339(event.at);
    if (sandbox::Rng::derived(workload_.seed, name).chance(workload_.notifications_lost)) return;
    const TimePoint outage_end = workload_.outage_start + workload_.outage_length;
    TimePoint at = event.at;
    for (std::size_t attempt = 0;; ++attempt) {
      if (at < workload_.outage_start || at >= outage_end) break;
      if (attempt >= retries_.size()) return; // given up
      at += retries_[attempt];
    }
    arrivals_.push(Due{at, seq_++, it->second, 0, event.kind});
  }

  // A notification reaching the daemon: verified, recorded, and (SUCCESS, CLOSED) confirmed by a query.
  void arrive(const Due& a) {
    ++delivered_;
    OrderRecord& r = records_[a.index];
    const TimePoint now = clock_.now();
    if (judge_.verified(now, r.spec.out_recharge_no)) judged(now);
    if (a.kind == sandbox::EventKind::returned) return;
    if (a.kind == sandbox::EventKind::succeeded && orders::is_open(r.local.state)) {
      r.local.state = OrderState::success;
      if (!r.detected_at) {
        r.detected_at = now;
        r.notified = true;
      }
    }
    (void)query(r, Source::confirm);
  }

  // The judge changed: logged for the figures; turning unhealthy replans every open order at once (recharged).
  void judged(TimePoint now) {
    const auto& st = judge_.status();
    push_.push_back(PushChange{now, st.health, st.reason});
    if (strategy_ != Strategy::recharged || st.health != schedule::PushHealth::unhealthy) return;
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const OrderRecord& r = records_[i];
      if (r.local.state != OrderState::recharging) continue;
      const Visit v = next_visit(strategy_, r.local, now, cal_, cfg_, judge_.view());
      if (v.at >= next_[i].at) continue;
      next_[i] = v;
      ++generation_[i];
      push(std::max(v.at, now), i);
    }
  }

  void visit(std::size_t index) {
    OrderRecord& r = records_[index];
    const TimePoint now = clock_.now();
    if (r.local.state == OrderState::new_order) apply(r);
    else if (r.local.state == OrderState::closing || next_[index].close) close_procedure(r);
    else query(r);
    if (!orders::is_open(r.local.state)) return;
    const Visit v = next_visit(strategy_, r.local, now, cal_, cfg_, judge_.view());
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

  enum class Source { poll, confirm };

  // One query, recorded as the engine records it; returns the platform's state (nullopt on a refusal). A poll
  // that finds the money landed is the judge's evidence (a notification's confirming query is not).
  std::optional<RechargeState> query(OrderRecord& r, Source source = Source::poll) {
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
      const bool found = orders::is_open(r.local.state) && source == Source::poll;
      r.local.state = OrderState::success;
      if (!r.detected_at) r.detected_at = now;
      if (found && answer->success_time && judge_.found_paid(now, r.spec.out_recharge_no, *answer->success_time))
        judged(now);
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
  const Workload& workload_;
  schedule::PushHealthJudge judge_;
  std::vector<Millis> retries_;
  std::vector<Visit> next_;
  std::vector<std::uint64_t> generation_;
  std::unordered_map<std::string, std::size_t> index_;
  DueQueue due_;
  DueQueue arrivals_;
  std::vector<PushChange> push_;
  std::uint64_t seq_ = 0;
  std::uint64_t calls_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t delivered_ = 0;
};

} // namespace

ReplayResult replay(const Workload& workload, const std::vector<OrderSpec>& orders, Strategy strategy,
                    const schedule::SettlementCalendar& cal, const schedule::PollPolicyConfig& cfg) {
  Replay r(workload, orders, strategy, cal, cfg);
  return r.run();
}

} // namespace recharged::bench::efficiency
