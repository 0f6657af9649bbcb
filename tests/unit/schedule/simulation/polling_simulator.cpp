#include "polling_simulator.hpp"

#include <algorithm>
#include <cstdio>

namespace recharged::test::polling {

using namespace std::chrono;
using orders::Order;
using orders::OrderState;
using schedule::PollAction;

namespace {

constexpr Millis k_link_lifetime = days{7};

struct Outcome {
  int calls = 1; // the apply
  std::optional<Millis> latency;
  bool paid_closed = false;
  bool held_past_expiry = false;
  bool landed_in_margin = false;
  bool expired = false;
};

TimePoint draw_applied_at(const SimulationSetup& setup, Draw& draw) {
  Millis total{0};
  for (const auto& [from, to] : setup.apply_periods) total += to - from;
  Millis pick = draw.uniform(Millis{0}, total);
  for (const auto& [from, to] : setup.apply_periods) {
    if (pick < to - from) {
      const TimePoint t = from + pick;
      if (draw.uniform() >= 0.8) return t;
      const auto midnight = schedule::shanghai_midnight(schedule::shanghai_date(t));
      return midnight + draw.uniform(Millis{hours{8}}, Millis{hours{22}});
    }
    pick -= to - from;
  }
  return setup.apply_periods.front().first;
}

// The stale-order procedure at `at`: final query; if unpaid, close and confirm. `latest` is the latest close
// the policy allows (close_latest_age), `expiry` the platform's own 7-day close.
void stale_close(const Payer& payer, TimePoint at, TimePoint latest, TimePoint expiry, Outcome& out) {
  ++out.calls;
  if (payer.lands_at && *payer.lands_at <= at) {
    out.latency = at - *payer.lands_at;
    return;
  }
  out.calls += 2;
  if (!payer.pays_at || *payer.pays_at >= at) return; // the payer finds the link closed and does not pay
  if (*payer.lands_at >= expiry) out.held_past_expiry = true; // no policy can see it (long holidays)
  else if (*payer.lands_at >= latest) out.landed_in_margin = true; // only a close after 7d - margin could
  else out.paid_closed = true;
}

Outcome simulate_order(const Payer& payer, Order order, const schedule::SettlementCalendar& cal,
                       const schedule::PollPolicyConfig& cfg, double failure_rate, Draw& draw) {
  Outcome out;
  const TimePoint expiry = *order.applied_at + k_link_lifetime;
  TimePoint now = *order.applied_at;
  for (int step = 0; step < 10000; ++step) {
    const auto p = schedule::plan_next_poll(order, now, cal, cfg);
    now = p.at;
    if (now >= expiry) {
      out.expired = true;
      return out;
    }
    if (p.action == PollAction::close) {
      stale_close(payer, now, *order.applied_at + cfg.close_latest_age, expiry, out);
      return out;
    }
    ++out.calls;
    order.last_poll_at = now;
    ++order.poll_count;
    if (draw.uniform() < failure_rate) {
      ++order.failure_streak;
      continue;
    }
    order.failure_streak = 0;
    if (payer.lands_at && *payer.lands_at <= now) {
      out.latency = now - *payer.lands_at;
      return out;
    }
  }
  out.expired = true;
  return out;
}

std::string fmt_minutes(Millis d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fm", static_cast<double>(d.count()) / 60000.0);
  return buf;
}

std::string line(const char* name, const Latencies& l) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %-22s n=%-5zu p50=%-7s p95=%-7s max=%-8s >10m=%zu\n", name, l.count(),
                fmt_minutes(l.percentile(0.5)).c_str(), fmt_minutes(l.percentile(0.95)).c_str(),
                fmt_minutes(l.percentile(1.0)).c_str(), l.over(minutes{10}));
  return buf;
}

} // namespace

Millis Latencies::percentile(double p) const {
  if (values.empty()) return Millis{0};
  auto sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::size_t Latencies::over(Millis limit) const {
  return static_cast<std::size_t>(std::count_if(values.begin(), values.end(), [&](Millis v) { return v > limit; }));
}

double SimulationReport::mean_calls() const {
  return orders ? static_cast<double>(total_calls) / static_cast<double>(orders) : 0.0;
}

double SimulationReport::mean_calls(const std::string& kind) const {
  const auto it = calls_by_kind.find(kind);
  if (it == calls_by_kind.end() || it->second.first == 0) return 0.0;
  return static_cast<double>(it->second.second) / static_cast<double>(it->second.first);
}

SimulationReport run_simulation(const SimulationSetup& setup, const schedule::SettlementCalendar& cal,
                                const schedule::PollPolicyConfig& cfg) {
  SimulationReport report;
  Draw draw(setup.seed);
  Draw failures(setup.seed ^ 0x9e3779b97f4a7c15ULL); // its own stream: the policy never changes who pays when
  for (std::size_t i = 0; i < setup.orders; ++i) {
    const TimePoint applied = draw_applied_at(setup, draw);
    const Payer payer = draw_payer(setup.mix, applied, cal, draw);
    Order order;
    order.out_recharge_no = "SIM" + std::to_string(setup.seed) + "N" + std::to_string(i);
    order.state = OrderState::recharging;
    order.created_at = applied - seconds{1};
    order.applied_at = applied;
    order.channels = payer.channels;
    order.close_after = schedule::stale_close_deadline(order, cal, cfg);
    const Outcome out = simulate_order(payer, order, cal, cfg, setup.query_failure_rate, failures);

    const std::string kind = to_string(payer.kind);
    ++report.orders;
    report.total_calls += static_cast<std::size_t>(out.calls);
    report.max_calls = std::max(report.max_calls, out.calls);
    auto& [kind_orders, kind_calls] = report.calls_by_kind[out.latency ? kind : "unpaid"];
    ++kind_orders;
    kind_calls += static_cast<std::size_t>(out.calls);
    report.expired += out.expired ? 1 : 0;
    report.paid_closed += out.paid_closed ? 1 : 0;
    report.held_past_expiry += out.held_past_expiry ? 1 : 0;
    report.landed_in_margin += out.landed_in_margin ? 1 : 0;
    if (!out.latency) {
      ++report.unpaid;
      continue;
    }
    ++report.paid;
    report.all_paid.values.push_back(*out.latency);
    report.by_kind[kind].values.push_back(*out.latency);
    if (payer.kind == PayerKind::qr && *payer.pays_at - applied <= minutes{30})
      report.qr_within_30m.values.push_back(*out.latency);
    if (payer.kind == PayerKind::bank_transfer && *payer.lands_at - *payer.pays_at > minutes{10})
      report.bank_held.values.push_back(*out.latency);
  }
  return report;
}

std::string describe(const SimulationReport& r) {
  char buf[256];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "orders=%zu paid=%zu unpaid=%zu mean_calls=%.2f max_calls=%d expired=%zu paid_closed=%zu "
                "landed_in_margin=%zu held_past_expiry=%zu\n",
                r.orders, r.paid, r.unpaid, r.mean_calls(), r.max_calls, r.expired, r.paid_closed,
                r.landed_in_margin, r.held_past_expiry);
  out += buf;
  for (const auto& [kind, counts] : r.calls_by_kind) {
    std::snprintf(buf, sizeof buf, "  calls %-14s orders=%-5zu mean=%.2f\n", kind.c_str(), counts.first,
                  r.mean_calls(kind));
    out += buf;
  }
  out += line("all paid", r.all_paid);
  out += line("qr paid within 30m", r.qr_within_30m);
  out += line("bank held by window", r.bank_held);
  for (const auto& [kind, l] : r.by_kind) out += line(kind.c_str(), l);
  return out;
}

} // namespace recharged::test::polling
