#pragma once

#include "bench/efficiency/figures.hpp"
#include "bench/efficiency/workload.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::bench::efficiency {

// Every strategy's figures for one seed of the workload.
struct SeedRun {
  std::uint64_t seed = 0;
  std::vector<Figures> strategies;
};

// The polling targets for recharged (BENCHMARKS.md, "Polling efficiency"), checked on the median figures over
// the seeds.
struct Targets {
  double mean_calls_max = 40;   // API calls per order, apply and close included
  double p95_all_max = 10;      // minutes, every detected payment
  double p95_qr_30m_max = 2;    // minutes, QR payments made within 30 min of the apply
};

// The median over `runs` of every figure, strategy by strategy (runs must list the same strategies in the same
// order; an odd number of runs gives an actual run's value, an even number the mean of the middle two).
[[nodiscard]] std::vector<Figures> median_figures(const std::vector<SeedRun>& runs);
// Whether recharged's figures meet every target (0 expired and 0 paid closed included); false without recharged.
[[nodiscard]] bool targets_met(const std::vector<Figures>& figures, const Targets& targets);

// The benchmark's result as one JSON object: the workload, the policy knobs recharged ran with ("" = the
// defaults), the seeds, the medians per strategy, the targets and each run's figures. Latencies in minutes.
[[nodiscard]] std::string report_json(const Workload& workload, std::string_view policy,
                                      const std::vector<SeedRun>& runs, const Targets& targets, double elapsed_seconds);
// The medians as a table for people, one row per strategy, then latency by channel.
[[nodiscard]] std::string report_table(const Workload& workload, const std::vector<SeedRun>& runs,
                                       const Targets& targets);

} // namespace recharged::bench::efficiency
