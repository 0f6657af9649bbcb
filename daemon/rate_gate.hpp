#pragma once

#include "config/config.hpp"
#include "core/clock.hpp"
#include "engine/call_gate.hpp"
#include "schedule/token_bucket.hpp"

#include <atomic>
#include <mutex>

namespace recharged::daemon {

// The daemon's CallGate: one token bucket per endpoint (limits.*_rate, limits.burst) in the daemon's
// clock, slowed by 429s and recovering on success. enter() waits for a token (interruptibly) and refuses
// once a stop is requested, so nothing new starts during shutdown. Thread-safe.
class RateGate final : public engine::CallGate {
public:
  RateGate(const config::LimitsConfig& limits, Clock& clock, StopSignal& stop);

  [[nodiscard]] bool enter(wxpay::Endpoint endpoint) override;
  void leave(wxpay::Endpoint endpoint, const Error* error) override;
  // New limits (SIGHUP); buckets restart full at the new rates.
  void configure(const config::LimitsConfig& limits);

  struct Stats {
    std::uint64_t waits = 0;        // calls that had to wait for a token
    std::uint64_t rate_limited = 0; // 429 answers seen
    double query_rate = 0;          // current (possibly slowed) rates, calls per second
    double apply_rate = 0;
    double close_rate = 0;
  };
  [[nodiscard]] Stats stats() const;

private:
  schedule::TokenBucket& bucket(wxpay::Endpoint e);

  Clock& clock_;
  StopSignal& stop_;
  mutable std::mutex mu_;
  schedule::TokenBucket query_;
  schedule::TokenBucket apply_;
  schedule::TokenBucket close_;
  Stats stats_;
};

// One daemon's part of [limits] when `nodes` live daemons share the merchant's API budget (a shared database):
// every rate split evenly among them (storage::pg::budget_share), the burst too, at least 1.
[[nodiscard]] config::LimitsConfig limits_share(const config::LimitsConfig& limits, int nodes);

// Bucket settings for one endpoint's rate from [limits].
[[nodiscard]] schedule::TokenBucketConfig bucket_config(double rate, int burst);

} // namespace recharged::daemon
