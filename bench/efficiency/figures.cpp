#include "bench/efficiency/figures.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace recharged::bench::efficiency {
namespace {

using namespace std::chrono;
using sandbox::RechargeChannel;
using sandbox::RechargeState;

double minutes_of(Millis d) { return static_cast<double>(d.count()) / 60'000.0; }

// Nearest rank: the smallest value with at least p of the values at or below it.
double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

LatencyStats stats(const std::vector<double>& minutes) {
  return {minutes.size(), percentile(minutes, 0.5), percentile(minutes, 0.95), percentile(minutes, 1.0)};
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (const double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

// The payment that credited a SUCCESS order (landed at success_time and was not sent back).
const sandbox::Payment* crediting(const sandbox::OrderTruth& t) {
  if (!t.deposit.success_time) return nullptr;
  for (const auto& p : t.plan.payments)
    if (!p.return_reason && p.lands_at == *t.deposit.success_time) return &p;
  return nullptr;
}

struct Latencies {
  std::vector<double> all, qr, online_bank, bank_transfer, qr_within_30m, bank_held;

  void add(const OrderRecord& r) {
    const auto& d = r.truth.deposit;
    const double m = minutes_of(*r.detected_at - *d.success_time);
    all.push_back(m);
    const std::optional<RechargeChannel> c = d.recharge_channel;
    if (c == RechargeChannel::qr_recharge) qr.push_back(m);
    if (c == RechargeChannel::online_bank) online_bank.push_back(m);
    if (c == RechargeChannel::bank_transfer) bank_transfer.push_back(m);
    const sandbox::Payment* p = crediting(r.truth);
    if (p == nullptr) return;
    if (c == RechargeChannel::qr_recharge && p->paid_at - r.truth.applied_at <= minutes{30}) qr_within_30m.push_back(m);
    if (c == RechargeChannel::bank_transfer && p->lands_at - p->paid_at > minutes{10}) bank_held.push_back(m);
  }
};

// A closed order whose payer had already sent money: closed by mistake, credited too late to be seen by a close
// that keeps its margin (landing after `latest`, the latest close the policy allows) or by any close (held past
// the link's expiry), or none of these (only payers who came after the close, or nobody).
void classify_closed(const sandbox::OrderTruth& t, TimePoint latest, Figures& f) {
  const TimePoint closed = t.deposit.close_time.value_or(t.expires_at);
  bool before = false;
  bool in_margin = false;
  bool held = false;
  bool after = false;
  for (const auto& p : t.plan.payments) {
    if (p.return_reason) continue; // sent back whatever we do (wrong amount or payer name)
    if (p.paid_at >= closed) after = true;
    else if (p.lands_at >= t.expires_at) held = true;
    else if (p.lands_at >= latest) in_margin = true;
    else before = true;
  }
  if (before) ++f.paid_closed;
  else if (in_margin) ++f.landed_in_margin;
  else if (held) ++f.held_past_expiry;
  else if (after) ++f.paid_after_close;
}

// The judge's record: unhealthy turns, the share of time healthy, and how long an outage took to be noticed.
void push_figures(const ReplayResult& result, TimePoint start, TimePoint end, Figures& f) {
  using schedule::PushHealth;
  Millis healthy{0};
  PushHealth state = PushHealth::unknown;
  TimePoint from = start;
  for (const auto& c : result.push) {
    if (state == PushHealth::healthy) healthy += c.at - from;
    state = c.health;
    from = c.at;
    if (c.health != PushHealth::unhealthy) continue;
    ++f.unhealthy_turns;
    if (result.outage_length > Millis{0} && f.outage_to_unhealthy < 0 && c.at >= result.outage_start)
      f.outage_to_unhealthy = minutes_of(c.at - result.outage_start);
  }
  if (state == PushHealth::healthy && end > from) healthy += end - from;
  if (end > start) f.healthy_share = static_cast<double>(healthy.count()) / static_cast<double>((end - start).count());
}

} // namespace

Figures summarize(const ReplayResult& result) {
  Figures f;
  f.strategy = result.strategy;
  f.orders = result.orders.size();
  std::vector<double> calls, paid_calls, unpaid_calls;
  Latencies lat;
  std::vector<double> outage_early, outage_late;
  const TimePoint outage_end = result.outage_start + result.outage_length;
  TimePoint first = TimePoint::max();
  TimePoint last = TimePoint::min();
  std::uint64_t platform_total = 0;
  bool each_matches = true;
  for (const auto& r : result.orders) {
    const auto& t = r.truth;
    const std::uint64_t n = t.applies + t.queries + t.closes;
    platform_total += n;
    each_matches = each_matches && n == r.calls;
    calls.push_back(static_cast<double>(n));
    first = std::min(first, r.spec.apply_at);
    last = std::max({last, r.local.last_poll_at.value_or(r.spec.apply_at), r.detected_at.value_or(r.spec.apply_at)});
    const RechargeState state = t.deposit.recharge_state;
    if (state == RechargeState::success) {
      ++f.paid;
      paid_calls.push_back(static_cast<double>(n));
      if (r.detected_at) {
        ++f.detected;
        if (r.notified) ++f.notified;
        lat.add(r);
        const TimePoint landed = *t.deposit.success_time;
        const double m = minutes_of(*r.detected_at - landed);
        if (landed >= result.outage_start && landed < outage_end)
          (landed < result.outage_start + minutes{15} ? outage_early : outage_late).push_back(m);
      } else {
        ++f.never_detected;
      }
      continue;
    }
    ++f.unpaid;
    unpaid_calls.push_back(static_cast<double>(n));
    if (state != RechargeState::closed) continue;
    if (t.deposit.recharge_state_desc == sandbox::k_desc_expired) ++f.expired;
    else ++f.closed_by_us;
    classify_closed(t, r.local.applied_at.value_or(t.applied_at) + result.close_latest_age, f);
  }
  f.calls_mean = mean(calls);
  f.calls_p50 = percentile(calls, 0.5);
  f.calls_p99 = percentile(calls, 0.99);
  f.calls_max = percentile(calls, 1.0);
  f.calls_mean_paid = mean(paid_calls);
  f.calls_mean_unpaid = mean(unpaid_calls);
  f.apply_calls = result.platform.apply_calls;
  f.query_calls = result.platform.queries;
  f.close_calls = result.platform.closes;
  f.calls_match = each_matches && platform_total == result.calls &&
                  result.calls == f.apply_calls + f.query_calls + f.close_calls;
  f.all = stats(lat.all);
  f.qr = stats(lat.qr);
  f.online_bank = stats(lat.online_bank);
  f.bank_transfer = stats(lat.bank_transfer);
  f.qr_within_30m = stats(lat.qr_within_30m);
  f.bank_held = stats(lat.bank_held);
  f.outage_first_15m = stats(outage_early);
  f.outage_after_15m = stats(outage_late);
  if (first < last) push_figures(result, first, last, f);
  return f;
}

} // namespace recharged::bench::efficiency
