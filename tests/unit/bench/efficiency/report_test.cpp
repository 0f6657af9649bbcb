#include "bench/efficiency/report.hpp"
#include "tests/unit/bench/efficiency/efficiency_fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace recharged;
using namespace recharged::bench::efficiency;
using recharged::test::efficiency::tiny_workload;

namespace {

Figures figures(Strategy s, double mean, double p95, std::size_t expired) {
  Figures f;
  f.strategy = s;
  f.orders = 100;
  f.calls_mean = mean;
  f.all = LatencyStats{50, 1.0, p95, 20.0};
  f.qr_within_30m = LatencyStats{20, 0.5, 1.5, 2.5};
  f.expired = expired;
  f.calls_match = true;
  return f;
}

SeedRun seed_run(std::uint64_t seed, double mean, double p95, std::size_t expired) {
  return SeedRun{seed,
                 {figures(Strategy::recharged, mean, p95, expired), figures(Strategy::fixed_1m, 10 * mean, 0.5, 0)}};
}

} // namespace

TEST_CASE("the median of three runs is the middle run's figure, strategy by strategy") {
  const std::vector<SeedRun> runs{seed_run(1, 30, 9, 0), seed_run(2, 36, 7, 2), seed_run(3, 33, 12, 0)};
  const auto m = median_figures(runs);
  REQUIRE(m.size() == 2);
  CHECK(m[0].strategy == Strategy::recharged);
  CHECK(m[0].calls_mean == doctest::Approx(33));
  CHECK(m[0].all.p95 == doctest::Approx(9));
  CHECK(m[0].expired == 0);
  CHECK(m[1].calls_mean == doctest::Approx(330));
  CHECK(m[0].calls_match);
}

TEST_CASE("the targets hold only when every one of them holds for recharged") {
  const Targets t;
  CHECK(targets_met(median_figures({seed_run(1, 33, 9, 0)}), t));
  CHECK_FALSE(targets_met(median_figures({seed_run(1, 41, 9, 0)}), t));
  CHECK_FALSE(targets_met(median_figures({seed_run(1, 33, 10.5, 0)}), t));
  CHECK_FALSE(targets_met(median_figures({seed_run(1, 33, 9, 1)}), t));
  CHECK_FALSE(targets_met({figures(Strategy::fixed_1m, 10, 1, 0)}, t));
}

TEST_CASE("the JSON report names the workload, the seeds, each strategy's medians and the targets") {
  const std::vector<SeedRun> runs{seed_run(4, 30, 9, 0), seed_run(5, 31, 8, 0)};
  const auto j = nlohmann::json::parse(report_json(tiny_workload(), "max_interval=4h", runs, Targets{}, 1.5));
  CHECK(j["section"] == "polling_efficiency");
  CHECK(j["workload"]["name"] == "tiny");
  CHECK(j["seeds"] == nlohmann::json::array({4, 5}));
  CHECK(j["policy"] == "max_interval=4h");
  CHECK(j["median"]["recharged"]["calls_per_order"]["mean"].get<double>() == doctest::Approx(30.5));
  CHECK(j["median"]["fixed_1m"]["detection_minutes"]["all"]["p95"].get<double>() == doctest::Approx(0.5));
  CHECK(j["targets"]["met"] == true);
  CHECK(j["runs"].size() == 2);
  REQUIRE(j["rows"].is_array()); // bench/run's table
  CHECK(j["rows"][0]["name"] == "recharged: API calls per order, mean");
  CHECK(j["rows"][0]["ok"] == true);
  for (const auto& row : j["rows"]) CHECK(row["name"].get<std::string>().size() <= 58);
  const std::string table = report_table(tiny_workload(), runs, Targets{});
  CHECK(table.find("recharged") != std::string::npos);
  CHECK(table.find("MET") != std::string::npos);
}
