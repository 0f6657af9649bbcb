#include "schedule/token_bucket.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::schedule;
using namespace std::chrono;

namespace {

const TimePoint t0 = parse_rfc3339("2026-11-23T09:00:00Z").value();

TokenBucketConfig config(double rate, double burst) {
  TokenBucketConfig c;
  c.rate_per_second = rate;
  c.burst = burst;
  return c;
}

// Calls taken in [t0, t0 + span) by a caller that retries exactly when told to.
int calls_in(TokenBucket& bucket, Millis span) {
  int taken = 0;
  TimePoint now = t0;
  while (now < t0 + span) {
    const auto wait = bucket.try_take(now);
    if (!wait) ++taken;
    else now += *wait;
  }
  return taken;
}

} // namespace

TEST_CASE("a new bucket allows its burst at once and then makes callers wait") {
  TokenBucket bucket(config(10, 5), t0);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(bucket.try_take(t0).has_value());
  const auto wait = bucket.try_take(t0);
  REQUIRE(wait.has_value());
  CHECK(*wait == milliseconds{100});
  CHECK_FALSE(bucket.try_take(t0 + milliseconds{100}).has_value());
}

TEST_CASE("over a long run the bucket admits its rate plus its burst") {
  TokenBucket bucket(config(10, 20), t0);
  const int taken = calls_in(bucket, seconds{60});
  CHECK(taken >= 619);
  CHECK(taken <= 621);
}

TEST_CASE("tokens never accumulate beyond the burst") {
  TokenBucket bucket(config(2, 3), t0);
  CHECK(bucket.available(t0 + hours{1}) == doctest::Approx(3.0));
  for (int i = 0; i < 3; ++i) CHECK_FALSE(bucket.try_take(t0 + hours{1}).has_value());
  CHECK(bucket.try_take(t0 + hours{1}).has_value());
}

TEST_CASE("a clock that steps backwards adds no tokens") {
  TokenBucket bucket(config(1, 1), t0);
  CHECK_FALSE(bucket.try_take(t0).has_value());
  CHECK(bucket.try_take(t0 - seconds{30}).has_value());
  CHECK(bucket.try_take(t0 + milliseconds{500}).has_value());
  CHECK_FALSE(bucket.try_take(t0 + seconds{1}).has_value());
}

TEST_CASE("a 429 halves the rate, empties the bucket, and repeated 429s stop at the floor") {
  auto cfg = config(10, 10);
  cfg.min_rate_per_second = 1;
  TokenBucket bucket(cfg, t0);
  bucket.on_rate_limited(t0);
  CHECK(bucket.rate() == doctest::Approx(5.0));
  CHECK(bucket.try_take(t0).has_value()); // no burst right after "too many"
  for (int i = 1; i <= 10; ++i) bucket.on_rate_limited(t0 + seconds{2 * i});
  CHECK(bucket.rate() == doctest::Approx(1.0));
}

TEST_CASE("429 answers to calls already in flight slow the bucket down only once") {
  TokenBucket bucket(config(8, 8), t0);
  bucket.on_rate_limited(t0);
  bucket.on_rate_limited(t0 + milliseconds{200});
  bucket.on_rate_limited(t0 + milliseconds{900});
  CHECK(bucket.rate() == doctest::Approx(4.0));
  bucket.on_rate_limited(t0 + milliseconds{1000});
  CHECK(bucket.rate() == doctest::Approx(2.0));
}

TEST_CASE("successes lift a slowed rate back gradually to the configured rate and no further") {
  auto cfg = config(10, 10);
  cfg.recovery_time = seconds{60};
  TokenBucket bucket(cfg, t0);
  bucket.on_rate_limited(t0); // 5/s
  bucket.on_success(t0 + seconds{6});
  CHECK(bucket.rate() == doctest::Approx(6.0)); // +10/s per 60 s
  bucket.on_success(t0 + seconds{18});
  CHECK(bucket.rate() == doctest::Approx(8.0));
  bucket.on_success(t0 + seconds{300});
  CHECK(bucket.rate() == doctest::Approx(10.0));
  bucket.on_success(t0 + seconds{400});
  CHECK(bucket.rate() == doctest::Approx(10.0));
}

TEST_CASE("a slowed bucket admits fewer calls than a healthy one over the same time") {
  TokenBucket healthy(config(10, 1), t0);
  TokenBucket slowed(config(10, 1), t0);
  slowed.on_rate_limited(t0);
  CHECK(calls_in(slowed, seconds{10}) < calls_in(healthy, seconds{10}) * 6 / 10);
}

TEST_CASE("rate limit settings are validated with the key in the error") {
  CHECK(validate(TokenBucketConfig{}).ok());
  auto c = TokenBucketConfig{};
  c.rate_per_second = 0;
  CHECK(validate(c).error().field == "rate_per_second");
  c = TokenBucketConfig{};
  c.burst = 0.5;
  CHECK(validate(c).error().field == "burst");
  c = TokenBucketConfig{};
  c.slowdown_factor = 1.0;
  CHECK(validate(c).error().field == "slowdown_factor");
  c = TokenBucketConfig{};
  c.min_rate_per_second = 50;
  CHECK(validate(c).error().field == "min_rate_per_second");
  c = TokenBucketConfig{};
  c.recovery_time = Millis{0};
  CHECK(validate(c).error().field == "recovery_time");
}
