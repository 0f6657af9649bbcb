#include "schedule/backoff.hpp"

#include "schedule/jitter.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace recharged::schedule {

namespace {

constexpr std::array<std::pair<BackoffJitter, std::string_view>, 4> k_jitter_names{{
    {BackoffJitter::none, "none"},
    {BackoffJitter::full, "full"},
    {BackoffJitter::equal, "equal"},
    {BackoffJitter::decorrelated, "decorrelated"},
}};

// Decorrelated jitter is a chain (each delay depends on the previous one); after this many steps the chain has
// long forgotten its start, so longer streaks reuse the last step's distribution.
constexpr int k_max_chain = 64;

Millis scale(Millis d, double fraction) noexcept {
  return Millis{static_cast<Millis::rep>(static_cast<double>(d.count()) * fraction)};
}

Millis decorrelated(int failure_streak, const BackoffConfig& cfg, std::uint64_t seed) noexcept {
  Millis delay = cfg.base;
  const int steps = std::min(failure_streak, k_max_chain);
  for (int i = 1; i <= steps; ++i) {
    const Millis high = std::min(cfg.cap, delay * 3);
    const double u = unit_interval(mix_seed(seed, static_cast<std::uint64_t>(i)));
    delay = std::min(cfg.cap, cfg.base + scale(std::max(Millis{0}, high - cfg.base), u));
  }
  return delay;
}

} // namespace

std::string_view to_string(BackoffJitter j) noexcept {
  for (const auto& [value, name] : k_jitter_names)
    if (value == j) return name;
  return "none";
}

std::optional<BackoffJitter> parse_backoff_jitter(std::string_view text) noexcept {
  for (const auto& [value, name] : k_jitter_names)
    if (name == text) return value;
  return std::nullopt;
}

Status validate(const BackoffConfig& cfg) {
  if (cfg.base <= Millis{0})
    return Error::invalid("backoff_base", "The setting 'backoff_base' must be a positive duration, e.g. \"5s\".");
  if (cfg.cap < cfg.base)
    return Error::invalid("backoff_cap", "The setting 'backoff_cap' (" + format_duration(cfg.cap) +
                                             ") must not be shorter than 'backoff_base' (" +
                                             format_duration(cfg.base) + ").");
  return {};
}

Millis backoff_ceiling(int failure_streak, const BackoffConfig& cfg) noexcept {
  if (failure_streak <= 0) return Millis{0};
  Millis ceiling = cfg.base;
  for (int i = 1; i < failure_streak && ceiling < cfg.cap; ++i) ceiling *= 2;
  return std::min(ceiling, cfg.cap);
}

Millis retry_delay(int failure_streak, const BackoffConfig& cfg, std::uint64_t seed) noexcept {
  if (failure_streak <= 0) return Millis{0};
  const Millis ceiling = backoff_ceiling(failure_streak, cfg);
  const double u = unit_interval(seed);
  switch (cfg.jitter) {
  case BackoffJitter::none: return ceiling;
  case BackoffJitter::full: return scale(ceiling, u);
  case BackoffJitter::equal: return ceiling / 2 + scale(ceiling - ceiling / 2, u);
  case BackoffJitter::decorrelated: return decorrelated(failure_streak, cfg, seed);
  }
  return ceiling;
}

} // namespace recharged::schedule
