#include "schedule/token_bucket.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace recharged::schedule {

namespace {

double seconds_between(TimePoint from, TimePoint to) noexcept {
  return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

Error bad(const char* key, const std::string& rule) {
  return Error::invalid(key, std::string("The rate limit setting '") + key + "' " + rule + ".");
}

} // namespace

Status validate(const TokenBucketConfig& cfg) {
  if (!(cfg.rate_per_second > 0.0)) return bad("rate_per_second", "must be a positive number of calls per second");
  if (!(cfg.burst >= 1.0)) return bad("burst", "must be at least 1 call");
  if (!(cfg.slowdown_factor > 0.0 && cfg.slowdown_factor < 1.0))
    return bad("slowdown_factor", "must be between 0 and 1 (exclusive), e.g. 0.5");
  if (!(cfg.min_rate_per_second > 0.0 && cfg.min_rate_per_second <= cfg.rate_per_second))
    return bad("min_rate_per_second", "must be positive and not above rate_per_second");
  if (cfg.recovery_time <= Millis{0}) return bad("recovery_time", "must be a positive duration, e.g. \"60s\"");
  if (cfg.slowdown_cooldown < Millis{0}) return bad("slowdown_cooldown", "must not be negative");
  return {};
}

TokenBucket::TokenBucket(const TokenBucketConfig& cfg, TimePoint now)
    : cfg_(cfg), rate_(cfg.rate_per_second), tokens_(cfg.burst), last_refill_(now), last_rate_change_(now) {}

void TokenBucket::refill(TimePoint now) noexcept {
  if (now <= last_refill_) return;
  tokens_ = std::min(cfg_.burst, tokens_ + rate_ * seconds_between(last_refill_, now));
  last_refill_ = now;
}

double TokenBucket::available(TimePoint now) const noexcept {
  return std::min(cfg_.burst, tokens_ + rate_ * seconds_between(last_refill_, now));
}

std::optional<Millis> TokenBucket::try_take(TimePoint now) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  const double wait_ms = std::ceil((1.0 - tokens_) / rate_ * 1000.0);
  return Millis{std::max<Millis::rep>(1, static_cast<Millis::rep>(wait_ms))};
}

void TokenBucket::on_rate_limited(TimePoint now) {
  refill(now);
  tokens_ = std::min(tokens_, 0.0); // no burst straight after the platform said "too many"
  if (last_slowdown_ && now < *last_slowdown_ + cfg_.slowdown_cooldown) return;
  rate_ = std::max(cfg_.min_rate_per_second, rate_ * cfg_.slowdown_factor);
  last_slowdown_ = now;
  last_rate_change_ = std::max(last_rate_change_, now);
}

void TokenBucket::on_success(TimePoint now) {
  if (rate_ >= cfg_.rate_per_second) return;
  refill(now); // tokens earned so far accrue at the old rate
  const double per_second = cfg_.rate_per_second / std::chrono::duration<double>(cfg_.recovery_time).count();
  rate_ = std::min(cfg_.rate_per_second, rate_ + per_second * seconds_between(last_rate_change_, now));
  last_rate_change_ = std::max(last_rate_change_, now);
}

} // namespace recharged::schedule
