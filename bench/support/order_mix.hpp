#pragma once

#include "bench/support/order_life.hpp"

#include <cstdint>

namespace recharged::bench {

// The population the generator draws from (BENCHMARKS.md, "Scale", lists the shares).
struct MixOptions {
  std::int64_t orders = 10'000;
  double per_day = 2'740;   // orders created per day: 1,000,000 orders span a year
  TimePoint as_of{};        // the newest order is created just before this
  std::uint64_t seed = 1;
};

// The plan of order `number` (0 = the oldest). Deterministic in (options, number).
[[nodiscard]] LifePlan draw_plan(const MixOptions& options, std::int64_t number);

} // namespace recharged::bench
