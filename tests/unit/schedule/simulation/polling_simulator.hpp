#pragma once

// Virtual-time simulation of the polling policy against the seeded payer mix: every notification is lost, so
// only polls find outcomes. Each order is simulated on its own (no rate limit, no daemon), which is what the
// policy alone decides: how many calls, and how late each payment is seen.

#include "payer_mix.hpp"
#include "schedule/poll_policy.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace recharged::test::polling {

struct SimulationSetup {
  std::size_t orders = 4000;
  std::uint64_t seed = 20261001;
  // Acceptance times are drawn over these [from, to) periods (weighted by length); 80% of them are moved
  // to 08:00-22:00 Shanghai time of the same day.
  std::vector<std::pair<TimePoint, TimePoint>> apply_periods;
  double query_failure_rate = 0.01; // share of queries that fail (5xx, network) and are retried with backoff
  PayerMix mix;
};

// Detection latencies (platform SUCCESS → the query that saw it), with nearest-rank percentiles.
struct Latencies {
  std::vector<Millis> values;
  [[nodiscard]] Millis percentile(double p) const;
  [[nodiscard]] std::size_t count() const noexcept { return values.size(); }
  [[nodiscard]] std::size_t over(Millis limit) const;
};

struct SimulationReport {
  std::size_t orders = 0;
  std::size_t paid = 0;           // payments that landed while the order was open
  std::size_t unpaid = 0;         // closed by the stale close
  // Paid before our stale close but landed after it, split by when the money landed:
  std::size_t paid_closed = 0;      // before the latest close the policy allows: the policy's fault
  std::size_t landed_in_margin = 0; // in the last close_margin of the link (7d - close_latest_age): the price
                                    // of keeping time to retry the close before the platform expires the link
  std::size_t held_past_expiry = 0; // after the link's own 7-day expiry (held through Spring Festival or
                                    // National Day): no policy can see these
  std::size_t expired = 0;        // reached the platform's 7-day expiry while still open
  std::size_t total_calls = 0;    // apply + queries + close calls
  int max_calls = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>> calls_by_kind; // kind -> (orders, calls)
  Latencies all_paid;
  Latencies qr_within_30m;        // QR payments made within 30 min of acceptance
  Latencies bank_held;            // bank transfers held by a closed interbank window
  std::map<std::string, Latencies> by_kind;

  [[nodiscard]] double mean_calls() const;
  [[nodiscard]] double mean_calls(const std::string& kind) const;
};

[[nodiscard]] SimulationReport run_simulation(const SimulationSetup& setup, const schedule::SettlementCalendar& cal,
                                              const schedule::PollPolicyConfig& cfg);
// A multi-line human summary (calls, latencies per kind, safety counters).
[[nodiscard]] std::string describe(const SimulationReport& report);

} // namespace recharged::test::polling
