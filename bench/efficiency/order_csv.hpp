#pragma once

#include "bench/efficiency/replay.hpp"

#include <string>

namespace recharged::bench::efficiency {

// One CSV row per order of a replay, for profiling where the calls and the latency go: out_recharge_no,
// offered channels, apply time, the crediting payment (channel, paid, landed), when a query saw it, the
// detection latency in minutes, calls, the payer's payments and how many were sent back, and the platform's
// final state. Times are RFC 3339, Shanghai time.
[[nodiscard]] std::string orders_csv(const ReplayResult& result);

} // namespace recharged::bench::efficiency
