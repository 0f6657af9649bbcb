#pragma once

#include "core/result.hpp"
#include "core/time.hpp"

#include <chrono>
#include <optional>

namespace recharged::schedule {

// One endpoint's call budget. TOML keys (per endpoint table, e.g. [rate_limit.query]) are the field names.
struct TokenBucketConfig {
  double rate_per_second = 10.0;      // rate_per_second: sustained calls per second
  double burst = 20.0;                // burst: calls that may go at once after a quiet spell (bucket size, >= 1)
  double slowdown_factor = 0.5;       // slowdown_factor: a 429 multiplies the current rate by this (0 < f < 1)
  double min_rate_per_second = 0.2;   // min_rate_per_second: repeated 429s never push the rate below this
  Millis recovery_time{std::chrono::seconds{60}}; // recovery_time: successes lift the rate back linearly, from 0
                                      // to the configured rate over this much time
  Millis slowdown_cooldown{std::chrono::seconds{1}}; // slowdown_cooldown: 429s this soon after a slow-down count
                                      // once (they answer calls that were already in flight)
};

// Every number positive and consistent (min rate <= rate, burst >= 1, factor in (0, 1)); errors name the key.
[[nodiscard]] Status validate(const TokenBucketConfig& cfg);

// A token bucket driven by explicit times (no hidden clock), with adaptive slow-down: 429 → multiply the rate
// by slowdown_factor (floored at min_rate_per_second) and empty the bucket; successes recover the rate
// gradually. Not thread-safe: the daemon serialises access to each bucket. A `now` earlier than one already
// seen counts as no time passing.
class TokenBucket {
public:
  // Starts full (burst tokens) at the configured rate. `cfg` should have passed validate().
  TokenBucket(const TokenBucketConfig& cfg, TimePoint now);

  // Takes one token: nullopt when taken, else how long to wait before one is available (at least 1 ms).
  [[nodiscard]] std::optional<Millis> try_take(TimePoint now);
  // The platform answered 429 (FREQUENCY_LIMITED): slow down.
  void on_rate_limited(TimePoint now);
  // A call succeeded: climb back toward the configured rate.
  void on_success(TimePoint now);

  // The current (possibly slowed) rate, calls per second.
  [[nodiscard]] double rate() const noexcept { return rate_; }
  // Tokens available at `now`, without taking any.
  [[nodiscard]] double available(TimePoint now) const noexcept;
  [[nodiscard]] const TokenBucketConfig& config() const noexcept { return cfg_; }

private:
  void refill(TimePoint now) noexcept;

  TokenBucketConfig cfg_;
  double rate_;
  double tokens_;
  TimePoint last_refill_;
  TimePoint last_rate_change_;
  std::optional<TimePoint> last_slowdown_;
};

} // namespace recharged::schedule
