#pragma once

#include "core/money.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "sandbox/payer_model.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::bench::efficiency {

// Orders are accepted over `days` days from `start` (an instant; the file gives it with its UTC offset).
struct ApplyPeriod {
  TimePoint start;
  int days = 7;
};

// What merchants offer in available_recharge_channels (empty = the field omitted: all three), and how often.
struct ChannelOffer {
  double share = 0;
  std::vector<sandbox::RechargeChannel> channels;
};

// A replayable mix of orders and payers for the polling-efficiency benchmark (BENCHMARKS.md documents the
// JSON form; bench/workloads/ holds examples). The payers are the sandbox's own model (sandbox::PayerMix).
struct Workload {
  std::string name;
  std::size_t orders = 2000;
  std::uint64_t seed = 1;                // orders and payers; a run with another seed replays another sample
  std::vector<ApplyPeriod> periods;      // apply times are spread over these, weighted by length
  double daytime_share = 0.8;            // share of applies moved into [daytime_from, daytime_to) Shanghai time
  Millis daytime_from{std::chrono::hours{8}};
  Millis daytime_to{std::chrono::hours{22}};
  Fen amount_min = 10'000;               // amounts are log-uniform in [min, max] (QR-only offers capped at 5万元)
  Fen amount_max = 10'000'000;
  std::vector<ChannelOffer> offers;
  sandbox::PayerMix payers;
  // Notifications, delivered on the platform's retry schedule (sandbox::default_retry_schedule). lost: the share
  // never delivered at all (1: polling alone must find every outcome). An outage of our endpoint fails every
  // attempt in [outage_start, outage_start + outage_length); outage_length 0 = none.
  double notifications_lost = 1.0;
  TimePoint outage_start{};
  Millis outage_length{0};
};

// Parses a workload file's JSON. Every key is checked; an error names the key, the value and the rule.
// `origin` (a path) prefixes error messages.
[[nodiscard]] Result<Workload> parse_workload(std::string_view json_text, std::string_view origin);
// Reads and parses a workload file.
[[nodiscard]] Result<Workload> load_workload(const std::filesystem::path& path);
// The workload as JSON text in the file format (for the benchmark's output, so a result names its input).
[[nodiscard]] std::string workload_json(const Workload& workload);

} // namespace recharged::bench::efficiency
