#pragma once

#include "core/result.hpp"
#include "core/time.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace recharged::schedule {

// How a retry delay is drawn below its exponential ceiling min(cap, base·2^(n-1)) for the n-th failure.
enum class BackoffJitter {
  none,         // exactly the ceiling
  full,         // uniform in [0, ceiling]: spreads best, may retry almost at once
  equal,        // uniform in [ceiling/2, ceiling]
  decorrelated, // uniform in [base, 3·previous], capped: never below base, grows about ×2 per failure
};
[[nodiscard]] std::string_view to_string(BackoffJitter j) noexcept; // "none", "full", "equal", "decorrelated"
[[nodiscard]] std::optional<BackoffJitter> parse_backoff_jitter(std::string_view text) noexcept;

// Retry delays for failed calls (5xx, network errors, 429 of one order). TOML keys in [schedule]:
// backoff_base, backoff_cap, backoff_jitter.
struct BackoffConfig {
  Millis base{std::chrono::seconds{5}};     // backoff_base: the first retry's scale
  Millis cap{std::chrono::minutes{10}};     // backoff_cap: no retry waits longer than this
  BackoffJitter jitter = BackoffJitter::decorrelated; // backoff_jitter: none | full | equal | decorrelated
};

// base > 0 and cap >= base; the error names the key and the rule.
[[nodiscard]] Status validate(const BackoffConfig& cfg);

// The largest delay for the n-th consecutive failure: min(cap, base·2^(n-1)); 0 for n <= 0.
[[nodiscard]] Millis backoff_ceiling(int failure_streak, const BackoffConfig& cfg) noexcept;

// How long to wait before retrying after `failure_streak` consecutive failures (0 for none). Pure: the same
// (streak, config, seed) always gives the same delay; use jitter_seed(out_recharge_no, poll_count) as the seed
// so orders that fail together do not retry together. Never above cfg.cap.
[[nodiscard]] Millis retry_delay(int failure_streak, const BackoffConfig& cfg, std::uint64_t seed) noexcept;

} // namespace recharged::schedule
