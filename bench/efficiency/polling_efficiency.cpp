// bench_polling_efficiency: replays a workload (bench/workloads/*.json) through recharged's polling policy and
// four baselines against the sandbox's payer model in virtual time, and prints one JSON object (or, with
// --table, a table for people). See BENCHMARKS.md, "Polling efficiency".

#include "bench/efficiency/order_csv.hpp"
#include "bench/efficiency/order_generator.hpp"
#include "bench/efficiency/replay.hpp"
#include "bench/efficiency/report.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <optional>

namespace recharged::bench::efficiency {
namespace {

struct Args {
  std::string workload = std::string(RECHARGED_SOURCE_DIR) + "/bench/workloads/default.json";
  std::string calendar = std::string(RECHARGED_SOURCE_DIR) + "/data/calendar";
  std::vector<std::uint64_t> seeds;
  int runs = 3;
  std::size_t orders = 0;
  std::vector<std::string> strategies;
  std::vector<std::string> policy; // [schedule] knobs for recharged, key=value
  std::optional<double> lost;      // overrides the workload's notifications.lost
  std::string outage;              // START/LENGTH, overrides the workload's notifications.outage
  std::string output;
  std::string csv_dir;
  int jobs = 1;
  bool table = false;
  bool check = false;
};

struct Setup {
  Workload workload;
  std::vector<Strategy> strategies;
  std::vector<std::uint64_t> seeds;
  schedule::SettlementCalendar calendar;
  schedule::PollPolicyConfig policy; // the daemon's defaults
};

Result<Setup> prepare(const Args& a) {
  Setup s;
  RECHARGED_TRY(s.workload, load_workload(a.workload));
  if (a.orders > 0) s.workload.orders = a.orders;
  if (a.lost) s.workload.notifications_lost = *a.lost;
  if (!a.outage.empty()) {
    const auto slash = a.outage.find('/');
    const auto start = parse_rfc3339(a.outage.substr(0, slash));
    const auto length = slash == std::string::npos ? Result<Millis>(Millis{0}) : parse_duration(a.outage.substr(slash + 1));
    if (!start || !length || *length <= Millis{0})
      return Error::invalid("outage", "The --outage '" + a.outage + "' is invalid: write START/LENGTH, e.g. "
                                                                    "2026-11-18T10:00:00+08:00/2h.");
    s.workload.outage_start = *start;
    s.workload.outage_length = *length;
  }
  for (const auto& name : a.strategies) {
    const auto st = parse_strategy(name);
    if (!st)
      return Error::invalid("strategies", "The strategy '" + name + "' is unknown: use recharged, recharged_full, "
                                                                     "fixed_1m, fixed_10m, age_based or retry_list.");
    s.strategies.push_back(*st);
  }
  if (s.strategies.empty()) s.strategies.assign(all_strategies().begin(), all_strategies().end());
  s.seeds = a.seeds;
  if (s.seeds.empty())
    for (int i = 0; i < a.runs; ++i) s.seeds.push_back(s.workload.seed + static_cast<std::uint64_t>(i));
  for (const auto& item : a.policy) {
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      return Error::invalid("policy",
                            "The policy item '" + item + "' is invalid: write key=value, e.g. max_interval=4h.");
    RECHARGED_CHECK(schedule::set_poll_policy_option(s.policy, item.substr(0, eq), item.substr(eq + 1)));
  }
  RECHARGED_CHECK(schedule::validate(s.policy));
  RECHARGED_TRY(s.calendar, schedule::SettlementCalendar::load({a.calendar}));
  if (s.calendar.years().empty())
    return Error::invalid("calendar", "No holiday calendar was found in " + a.calendar + ".");
  return s;
}

// Every strategy over one seed's orders, `jobs` replays at a time.
SeedRun run_seed(const Setup& s, std::uint64_t seed, int jobs, const std::string& csv_dir) {
  Workload w = s.workload;
  w.seed = seed;
  const std::vector<OrderSpec> orders = generate_orders(w);
  SeedRun run{seed, {}};
  const auto replay_one = [&](Strategy strategy) {
    const auto started = std::chrono::steady_clock::now();
    const ReplayResult result = replay(w, orders, strategy, s.calendar, s.policy);
    if (!csv_dir.empty()) {
      const std::string name = std::string(to_string(strategy)) + "-seed" + std::to_string(seed) + ".csv";
      const auto path = std::filesystem::path(csv_dir) / name;
      std::ofstream(path) << orders_csv(result);
    }
    Figures f = summarize(result);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::fprintf(stderr, "polling_efficiency: seed %llu %-10s %5.1f s, %.1f calls/order\n",
                 static_cast<unsigned long long>(seed), std::string(to_string(strategy)).c_str(), took.count(),
                 f.calls_mean);
    return f;
  };
  const auto batch = static_cast<std::size_t>(std::max(1, jobs));
  for (std::size_t first = 0; first < s.strategies.size(); first += batch) {
    std::vector<std::future<Figures>> pending;
    for (std::size_t i = first; i < std::min(s.strategies.size(), first + batch); ++i)
      pending.push_back(std::async(std::launch::async, replay_one, s.strategies[i]));
    for (auto& p : pending) run.strategies.push_back(p.get());
  }
  return run;
}

int run(const Args& a) {
  auto setup = prepare(a);
  if (!setup) {
    std::cerr << "bench_polling_efficiency: error: " << setup.error().message << "\n";
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<SeedRun> runs;
  for (const auto seed : setup->seeds) runs.push_back(run_seed(*setup, seed, a.jobs, a.csv_dir));
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  const Targets targets;
  std::string policy;
  for (const auto& item : a.policy) policy += (policy.empty() ? "" : ",") + item;
  const std::string json = report_json(setup->workload, policy, runs, targets, took.count());
  if (!a.output.empty()) {
    std::ofstream out(a.output);
    out << json;
    if (!out) {
      std::cerr << "bench_polling_efficiency: error: could not write " << a.output << ".\n";
      return 1;
    }
  }
  std::cout << (a.table ? report_table(setup->workload, runs, targets) : json);
  if (a.check && !targets_met(median_figures(runs), targets)) return 1;
  return 0;
}

} // namespace
} // namespace recharged::bench::efficiency

int main(int argc, char** argv) {
  using namespace recharged::bench::efficiency;
  Args a;
  CLI::App app{"Replays a workload through recharged's polling policy and four baselines in virtual time, against "
               "the sandbox's payer model, and prints the figures as JSON."};
  app.add_option("--workload", a.workload, "Workload file (JSON, see BENCHMARKS.md)")->capture_default_str();
  app.add_option("--calendar", a.calendar, "Holiday calendar directory")->capture_default_str();
  app.add_option("--runs", a.runs, "Seeds to run: the workload's seed and the next ones")->capture_default_str()
      ->check(CLI::Range(1, 50));
  app.add_option("--seeds", a.seeds, "Exact seeds to run (overrides --runs)")->delimiter(',');
  app.add_option("--orders", a.orders, "Override the workload's number of orders");
  app.add_option("--strategies", a.strategies,
                 "recharged,recharged_full,fixed_1m,fixed_10m,age_based,retry_list (default: all but recharged_full)")
      ->delimiter(',');
  app.add_option("--policy", a.policy, "[schedule] knobs for recharged instead of the defaults, e.g. "
                                       "max_interval=4h,bank_window=1d")->delimiter(',');
  app.add_option("--notifications-lost", a.lost, "Share of notifications never delivered, 0-1 (default: the "
                                                 "workload's, 1: polling alone)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--outage", a.outage, "An outage of our notification endpoint, START/LENGTH, e.g. "
                                       "2026-11-18T10:00:00+08:00/2h: every delivery attempt inside it fails");
  app.add_option("--jobs", a.jobs, "Replays run at the same time")->capture_default_str()->check(CLI::Range(1, 16));
  app.add_option("--output", a.output, "Also write the JSON to this file");
  app.add_option("--csv-dir", a.csv_dir, "Write every replay's orders as <dir>/<strategy>-seed<N>.csv")
      ->check(CLI::ExistingDirectory);
  app.add_flag("--table", a.table, "Print a table for people instead of the JSON");
  app.add_flag("--check", a.check, "Exit 1 when recharged misses a target");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return run(a);
  } catch (const std::exception& e) {
    std::cerr << "bench_polling_efficiency: error: " << e.what() << "\n";
    return 1;
  }
}
