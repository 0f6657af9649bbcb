#pragma once

#include "bench/efficiency/replay.hpp"

#include <cstddef>
#include <cstdint>

namespace recharged::bench::efficiency {

// Detection latencies (local SUCCESS time minus the platform's success_time) in minutes, nearest-rank
// percentiles.
struct LatencyStats {
  std::size_t n = 0;
  double p50 = 0;
  double p95 = 0;
  double max = 0;
};

// What one replay measured. Call counts come from the platform's per-order counters.
struct Figures {
  Strategy strategy = Strategy::recharged;
  std::size_t orders = 0;
  std::size_t paid = 0;            // SUCCESS at the platform
  std::size_t detected = 0;        // ... and seen SUCCESS by a query
  std::size_t never_detected = 0;  // ... but never seen (the strategy stopped looking first)
  std::size_t unpaid = 0;          // never SUCCESS at the platform
  double calls_mean = 0;           // apply + queries + close calls per order
  double calls_p50 = 0;
  double calls_p99 = 0;
  double calls_max = 0;
  double calls_mean_paid = 0;      // over orders SUCCESS at the platform
  double calls_mean_unpaid = 0;    // over the others
  std::uint64_t apply_calls = 0;
  std::uint64_t query_calls = 0;
  std::uint64_t close_calls = 0;
  bool calls_match = false;        // the replay's own count equals the platform's, order by order and in total
  LatencyStats all;                // every detected payment
  LatencyStats qr;                 // by the channel that paid
  LatencyStats online_bank;
  LatencyStats bank_transfer;
  LatencyStats qr_within_30m;      // QR payments made within 30 min of the apply
  LatencyStats bank_held;          // bank transfers held by a closed interbank window (landed > 10 min after sending)
  std::size_t expired = 0;         // closed by the platform's 7-day link expiry: must be 0
  std::size_t closed_by_us = 0;    // closed by the stale close
  std::size_t paid_closed = 0;     // closed by us although money sent before the close lands before the latest
                                   // close the policy allows (it goes back to the payer): must be 0
  std::size_t landed_in_margin = 0; // ... lands after that latest close but before the link's expiry: inside the
                                    // margin the close keeps to be retried (held transfers released then)
  std::size_t held_past_expiry = 0; // money sent before the close but held by the interbank calendar until after
                                    // the link's own expiry: no polling can credit it
  std::size_t paid_after_close = 0; // payers who came back after the order was closed (money returned)

  // With notifications delivered (the workload's notifications.lost < 1):
  std::size_t notified = 0;          // paid orders detected by a notification rather than a query
  std::size_t unhealthy_turns = 0;   // times the push-health judge turned unhealthy
  double healthy_share = 0;          // share of the replay's span (first apply to last visit) judged healthy
  double outage_to_unhealthy = -1;   // minutes from the outage's start to the judge's first unhealthy (-1: never)
  LatencyStats outage_first_15m;     // payments landing in the outage's first 15 min
  LatencyStats outage_after_15m;     // payments landing later in the outage
};

[[nodiscard]] Figures summarize(const ReplayResult& result);

} // namespace recharged::bench::efficiency
