#include "bench/efficiency/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace recharged::bench::efficiency {
namespace {

using json = nlohmann::json;

constexpr std::array k_counts{&Figures::orders, &Figures::paid, &Figures::detected, &Figures::never_detected,
                              &Figures::unpaid, &Figures::expired, &Figures::closed_by_us, &Figures::paid_closed,
                              &Figures::landed_in_margin, &Figures::held_past_expiry, &Figures::paid_after_close,
                              &Figures::notified, &Figures::unhealthy_turns};
constexpr std::array k_calls{&Figures::apply_calls, &Figures::query_calls, &Figures::close_calls};
constexpr std::array k_means{&Figures::calls_mean, &Figures::calls_p50, &Figures::calls_p99, &Figures::calls_max,
                             &Figures::calls_mean_paid, &Figures::calls_mean_unpaid, &Figures::healthy_share,
                             &Figures::outage_to_unhealthy};
constexpr std::array k_latencies{&Figures::all, &Figures::qr, &Figures::online_bank, &Figures::bank_transfer,
                                 &Figures::qr_within_30m, &Figures::bank_held, &Figures::outage_first_15m,
                                 &Figures::outage_after_15m};

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  if (v.size() % 2 == 1) return v[mid];
  return static_cast<T>((static_cast<double>(v[mid - 1]) + static_cast<double>(v[mid])) / 2.0);
}

template <class Get>
auto median_over(const std::vector<SeedRun>& runs, std::size_t i, Get get) {
  std::vector<decltype(get(runs.front().strategies[i]))> values;
  for (const auto& r : runs) values.push_back(get(r.strategies[i]));
  return median(std::move(values));
}

Figures median_of_strategy(const std::vector<SeedRun>& runs, std::size_t i) {
  Figures m = runs.front().strategies[i];
  for (const auto field : k_counts) m.*field = median_over(runs, i, [&](const Figures& f) { return f.*field; });
  for (const auto field : k_calls) m.*field = median_over(runs, i, [&](const Figures& f) { return f.*field; });
  for (const auto field : k_means) m.*field = median_over(runs, i, [&](const Figures& f) { return f.*field; });
  for (const auto field : k_latencies) {
    m.*field = LatencyStats{median_over(runs, i, [&](const Figures& f) { return (f.*field).n; }),
                            median_over(runs, i, [&](const Figures& f) { return (f.*field).p50; }),
                            median_over(runs, i, [&](const Figures& f) { return (f.*field).p95; }),
                            median_over(runs, i, [&](const Figures& f) { return (f.*field).max; })};
  }
  m.calls_match = std::all_of(runs.begin(), runs.end(), [&](const SeedRun& r) { return r.strategies[i].calls_match; });
  return m;
}

double round2(double v) { return static_cast<double>(std::llround(v * 100.0)) / 100.0; }

json latency_json(const LatencyStats& l) {
  return {{"n", l.n}, {"p50", round2(l.p50)}, {"p95", round2(l.p95)}, {"max", round2(l.max)}};
}

json figures_json(const Figures& f) {
  return {
      {"orders", f.orders},
      {"paid", f.paid},
      {"detected", f.detected},
      {"never_detected", f.never_detected},
      {"unpaid", f.unpaid},
      {"calls_per_order",
       {{"mean", round2(f.calls_mean)}, {"p50", f.calls_p50}, {"p99", f.calls_p99}, {"max", f.calls_max},
        {"mean_paid", round2(f.calls_mean_paid)}, {"mean_unpaid", round2(f.calls_mean_unpaid)}}},
      {"calls", {{"apply", f.apply_calls}, {"query", f.query_calls}, {"close", f.close_calls},
                 {"match_platform_counters", f.calls_match}}},
      {"detection_minutes",
       {{"all", latency_json(f.all)}, {"qr", latency_json(f.qr)}, {"online_bank", latency_json(f.online_bank)},
        {"bank_transfer", latency_json(f.bank_transfer)}, {"qr_paid_within_30m", latency_json(f.qr_within_30m)},
        {"bank_held_by_window", latency_json(f.bank_held)}}},
      {"expired", f.expired},
      {"closed_by_us", f.closed_by_us},
      {"paid_closed", f.paid_closed},
      {"landed_in_close_margin", f.landed_in_margin},
      {"held_past_expiry", f.held_past_expiry},
      {"paid_after_close", f.paid_after_close},
      {"push",
       {{"notified", f.notified},
        {"unhealthy_turns", f.unhealthy_turns},
        {"healthy_share", round2(f.healthy_share)},
        {"outage_to_unhealthy_minutes", round2(f.outage_to_unhealthy)},
        {"detection_minutes_outage_first_15m", latency_json(f.outage_first_15m)},
        {"detection_minutes_outage_after_15m", latency_json(f.outage_after_15m)}}},
  };
}

json strategies_json(const std::vector<Figures>& figures) {
  json out = json::object();
  for (const auto& f : figures) out[std::string(to_string(f.strategy))] = figures_json(f);
  return out;
}

const Figures* find(const std::vector<Figures>& figures, Strategy s) {
  const auto it = std::find_if(figures.begin(), figures.end(), [&](const Figures& f) { return f.strategy == s; });
  return it == figures.end() ? nullptr : &*it;
}

json targets_json(const std::vector<Figures>& medians, const Targets& t) {
  const Figures* r = find(medians, Strategy::recharged);
  if (r == nullptr) return {{"met", false}, {"note", "recharged was not run"}};
  auto row = [](double value, double target, bool met) {
    return json{{"value", value}, {"target", target}, {"met", met}};
  };
  return {
      {"mean_calls_per_order", row(round2(r->calls_mean), t.mean_calls_max, r->calls_mean <= t.mean_calls_max)},
      {"p95_detection_minutes_all_paid", row(round2(r->all.p95), t.p95_all_max, r->all.p95 <= t.p95_all_max)},
      {"p95_detection_minutes_qr_within_30m",
       row(round2(r->qr_within_30m.p95), t.p95_qr_30m_max, r->qr_within_30m.p95 <= t.p95_qr_30m_max)},
      {"expired", row(static_cast<double>(r->expired), 0, r->expired == 0)},
      {"paid_closed", row(static_cast<double>(r->paid_closed), 0, r->paid_closed == 0)},
      {"met", targets_met(medians, t)},
  };
}

json table_row(std::string name, double value, std::string_view unit) {
  return {{"name", std::move(name)}, {"value", round2(value)}, {"unit", unit}};
}

json target_row(std::string name, double value, std::string_view unit, std::string_view target, bool ok) {
  json row = table_row(std::move(name), value, unit);
  row["target"] = target;
  row["ok"] = ok;
  return row;
}

// bench/run's rows for recharged: its targets first, then latency by channel and the safety counts.
void add_recharged_rows(json& rows, const Figures& r, const Targets& t) {
  char target[32];
  std::snprintf(target, sizeof target, "≤ %.0f", t.mean_calls_max);
  rows.push_back(target_row("recharged: API calls per order, mean", r.calls_mean, "", target,
                            r.calls_mean <= t.mean_calls_max));
  rows.push_back(table_row("recharged: API calls per order, p99", r.calls_p99, ""));
  std::snprintf(target, sizeof target, "≤ %.0f min", t.p95_all_max);
  rows.push_back(target_row("recharged: detection p95, all paid orders", r.all.p95, "min", target,
                            r.all.p95 <= t.p95_all_max));
  std::snprintf(target, sizeof target, "≤ %.0f min", t.p95_qr_30m_max);
  rows.push_back(target_row("recharged: detection p95, QR paid within 30 min", r.qr_within_30m.p95, "min", target,
                            r.qr_within_30m.p95 <= t.p95_qr_30m_max));
  rows.push_back(table_row("recharged: detection p50, all paid orders", r.all.p50, "min"));
  rows.push_back(table_row("recharged: detection max, all paid orders", r.all.max, "min"));
  rows.push_back(table_row("recharged: detection p95, QR", r.qr.p95, "min"));
  rows.push_back(table_row("recharged: detection p95, online banking", r.online_bank.p95, "min"));
  rows.push_back(table_row("recharged: detection p95, bank transfer", r.bank_transfer.p95, "min"));
  rows.push_back(table_row("recharged: detection max, bank transfer held by a window", r.bank_held.max, "min"));
  rows.push_back(target_row("recharged: orders expired at the platform", static_cast<double>(r.expired), "", "0",
                            r.expired == 0));
  rows.push_back(target_row("recharged: paid orders closed", static_cast<double>(r.paid_closed), "", "0",
                            r.paid_closed == 0));
  rows.push_back(table_row("recharged: paid, landed in the close's margin", static_cast<double>(r.landed_in_margin),
                           ""));
  rows.push_back(table_row("recharged: transfers held past the link's expiry", static_cast<double>(r.held_past_expiry),
                           ""));
}

// bench/run's rows: recharged against its targets, then each baseline's cost, latency and safety.
json rows_json(const std::vector<Figures>& medians, const Targets& t) {
  json rows = json::array();
  if (const Figures* r = find(medians, Strategy::recharged)) add_recharged_rows(rows, *r, t);
  for (const auto& f : medians) {
    if (f.strategy == Strategy::recharged) continue;
    const std::string name(to_string(f.strategy));
    rows.push_back(table_row(name + ": API calls per order, mean", f.calls_mean, ""));
    rows.push_back(table_row(name + ": detection p95, all paid orders", f.all.p95, "min"));
    rows.push_back(table_row(name + ": detection p95, QR paid within 30 min", f.qr_within_30m.p95, "min"));
    rows.push_back(table_row(name + ": orders expired at the platform", static_cast<double>(f.expired), ""));
    if (f.never_detected > 0)
      rows.push_back(table_row(name + ": paid orders never seen paid", static_cast<double>(f.never_detected), ""));
  }
  return rows;
}

std::string seeds_text(const std::vector<SeedRun>& runs) {
  std::string s;
  for (const auto& r : runs) s += (s.empty() ? "" : ",") + std::to_string(r.seed);
  return s;
}

__attribute__((format(printf, 1, 2))) std::string row(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

std::string lat3(const LatencyStats& l) {
  if (l.n == 0) return "-";
  return row("%.1f/%.1f/%.0f", l.p50, l.p95, l.max);
}

} // namespace

std::vector<Figures> median_figures(const std::vector<SeedRun>& runs) {
  std::vector<Figures> out;
  if (runs.empty()) return out;
  for (std::size_t i = 0; i < runs.front().strategies.size(); ++i) out.push_back(median_of_strategy(runs, i));
  return out;
}

bool targets_met(const std::vector<Figures>& figures, const Targets& t) {
  const Figures* r = find(figures, Strategy::recharged);
  return r != nullptr && r->calls_mean <= t.mean_calls_max && r->all.p95 <= t.p95_all_max &&
         r->qr_within_30m.p95 <= t.p95_qr_30m_max && r->expired == 0 && r->paid_closed == 0;
}

std::string report_json(const Workload& workload, std::string_view policy, const std::vector<SeedRun>& runs,
                        const Targets& targets, double elapsed_seconds) {
  const auto medians = median_figures(runs);
  json per_run = json::array();
  for (const auto& r : runs) per_run.push_back({{"seed", r.seed}, {"strategies", strategies_json(r.strategies)}});
  json seeds = json::array();
  for (const auto& r : runs) seeds.push_back(r.seed);
  const json out = {
      {"section", "polling_efficiency"},
      {"title", "Polling efficiency in virtual time: workload '" + workload.name + "', " +
                    std::to_string(workload.orders) + " orders, median of " + std::to_string(runs.size()) + " seeds"},
      {"rows", rows_json(medians, targets)},
      {"workload", json::parse(workload_json(workload))},
      {"seeds", seeds},
      {"policy", policy.empty() ? std::string("defaults") : std::string(policy)},
      {"median", strategies_json(medians)},
      {"targets", targets_json(medians, targets)},
      {"runs", per_run},
      {"elapsed_seconds", round2(elapsed_seconds)},
  };
  return out.dump(2) + "\n";
}

std::string report_table(const Workload& workload, const std::vector<SeedRun>& runs, const Targets& targets) {
  const auto medians = median_figures(runs);
  std::string out = "Polling efficiency: workload '" + workload.name + "', " + std::to_string(workload.orders) +
                    " orders, seeds " + seeds_text(runs) + " (medians); detection in minutes\n";
  out += row("%-15s %7s %6s %7s %7s %7s %7s %9s %8s %7s %7s %7s %6s\n", "strategy", "calls", "p99", "det.p50",
             "det.p95", "det.max", "QR30p95", "held.max", "expired", "paidcl", "margin", "unseen", "paid");
  for (const auto& f : medians)
    out += row("%-15s %7.1f %6.0f %7.2f %7.2f %7.0f %7.1f %9.0f %8zu %7zu %7zu %7zu %6zu\n",
               std::string(to_string(f.strategy)).c_str(), f.calls_mean, f.calls_p99, f.all.p50, f.all.p95, f.all.max,
               f.qr_within_30m.p95, f.bank_held.max, f.expired, f.paid_closed, f.landed_in_margin, f.never_detected,
               f.paid);
  out += "\nDetection by channel, p50/p95/max minutes\n";
  out += row("%-15s %18s %18s %18s %18s\n", "strategy", "QR", "online bank", "bank transfer", "bank held");
  for (const auto& f : medians)
    out += row("%-15s %18s %18s %18s %18s\n", std::string(to_string(f.strategy)).c_str(), lat3(f.qr).c_str(),
               lat3(f.online_bank).c_str(), lat3(f.bank_transfer).c_str(), lat3(f.bank_held).c_str());
  if (workload.notifications_lost < 1.0) {
    out += row("\nNotifications: %.0f %% lost%s\n", workload.notifications_lost * 100,
               workload.outage_length > Millis{0}
                   ? (", outage of our endpoint from " + format_rfc3339(workload.outage_start) + " for " +
                      format_duration(workload.outage_length))
                         .c_str()
                   : "");
    out += row("%-15s %8s %9s %8s %10s %18s %18s\n", "strategy", "notified", "unhealthy", "healthy", "outage->unh",
               "outage first 15m", "outage after 15m");
    for (const auto& f : medians) {
      if (f.strategy != Strategy::recharged) { // the judge's view is used by recharged only
        out += row("%-15s %8zu %9s %8s %10s %18s %18s\n", std::string(to_string(f.strategy)).c_str(), f.notified, "-",
                   "-", "-", lat3(f.outage_first_15m).c_str(), lat3(f.outage_after_15m).c_str());
        continue;
      }
      out += row("%-15s %8zu %9zu %7.0f%% %10.1f %18s %18s\n", std::string(to_string(f.strategy)).c_str(), f.notified,
                 f.unhealthy_turns, f.healthy_share * 100, f.outage_to_unhealthy, lat3(f.outage_first_15m).c_str(),
                 lat3(f.outage_after_15m).c_str());
    }
  }
  if (const Figures* r = find(medians, Strategy::recharged)) {
    out += row("\nTargets for recharged: mean calls %.1f <= %.0f, p95 all %.1f <= %.0f min, p95 QR<=30m %.1f <= %.0f "
               "min, expired %zu = 0, paid closed %zu = 0: %s\n",
               r->calls_mean, targets.mean_calls_max, r->all.p95, targets.p95_all_max, r->qr_within_30m.p95,
               targets.p95_qr_30m_max, r->expired, r->paid_closed, targets_met(medians, targets) ? "MET" : "NOT MET");
    out += row("Also: %zu payments landed in the close's margin before the link's expiry, %zu held past that "
               "expiry, %zu payers came after the stale close.\n",
               r->landed_in_margin, r->held_past_expiry, r->paid_after_close);
  }
  return out;
}

} // namespace recharged::bench::efficiency
