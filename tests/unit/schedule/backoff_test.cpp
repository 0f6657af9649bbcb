#include "schedule/backoff.hpp"
#include "schedule/jitter.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace recharged;
using namespace recharged::schedule;
using namespace std::chrono;

TEST_CASE("the backoff ceiling doubles from the base and stops at the cap") {
  const BackoffConfig cfg; // 5s base, 10m cap
  CHECK(backoff_ceiling(0, cfg) == Millis{0});
  CHECK(backoff_ceiling(-3, cfg) == Millis{0});
  CHECK(backoff_ceiling(1, cfg) == seconds{5});
  CHECK(backoff_ceiling(2, cfg) == seconds{10});
  CHECK(backoff_ceiling(5, cfg) == seconds{80});
  CHECK(backoff_ceiling(8, cfg) == seconds{600});
  CHECK(backoff_ceiling(1000000, cfg) == minutes{10});
}

TEST_CASE("without jitter the retry delay is the ceiling") {
  BackoffConfig cfg;
  cfg.jitter = BackoffJitter::none;
  CHECK(retry_delay(3, cfg, 42) == seconds{20});
  CHECK(retry_delay(0, cfg, 42) == Millis{0});
}

TEST_CASE("every jitter mode stays within its bounds and never passes the cap") {
  for (const auto mode : {BackoffJitter::full, BackoffJitter::equal, BackoffJitter::decorrelated}) {
    BackoffConfig cfg;
    cfg.jitter = mode;
    CAPTURE(to_string(mode));
    for (int streak = 1; streak <= 40; ++streak) {
      for (int order = 0; order < 50; ++order) {
        const Millis d = retry_delay(streak, cfg, jitter_seed("R" + std::to_string(order), streak));
        REQUIRE(d <= cfg.cap);
        REQUIRE(d >= Millis{0});
        if (mode == BackoffJitter::equal) REQUIRE(d >= backoff_ceiling(streak, cfg) / 2);
        if (mode == BackoffJitter::full) REQUIRE(d <= backoff_ceiling(streak, cfg));
        if (mode == BackoffJitter::decorrelated) REQUIRE(d >= cfg.base);
      }
    }
  }
}

TEST_CASE("retry delays grow with the failure streak on average") {
  for (const auto mode : {BackoffJitter::full, BackoffJitter::equal, BackoffJitter::decorrelated}) {
    BackoffConfig cfg;
    cfg.jitter = mode;
    CAPTURE(to_string(mode));
    double previous = 0;
    for (int streak = 1; streak <= 6; ++streak) {
      double sum = 0;
      for (int order = 0; order < 400; ++order)
        sum += static_cast<double>(retry_delay(streak, cfg, jitter_seed("R" + std::to_string(order), 7)).count());
      const double mean = sum / 400;
      CHECK(mean > previous * 1.4);
      previous = mean;
    }
    CHECK(previous < static_cast<double>(Millis{cfg.cap}.count()));
  }
}

TEST_CASE("the same streak and seed give the same delay, other seeds spread it") {
  const BackoffConfig cfg;
  CHECK(retry_delay(4, cfg, 99) == retry_delay(4, cfg, 99));
  std::set<Millis::rep> delays;
  for (std::int64_t n = 0; n < 200; ++n) delays.insert(retry_delay(4, cfg, jitter_seed("X", n)).count());
  CHECK(delays.size() > 190);
}

TEST_CASE("backoff settings are validated and jitter modes round-trip as text") {
  BackoffConfig cfg;
  CHECK(validate(cfg).ok());
  cfg.cap = seconds{1};
  const auto bad_cap = validate(cfg);
  REQUIRE_FALSE(bad_cap.ok());
  CHECK(bad_cap.error().field == "backoff_cap");
  cfg = BackoffConfig{};
  cfg.base = Millis{0};
  CHECK(validate(cfg).error().field == "backoff_base");
  for (const auto mode : {BackoffJitter::none, BackoffJitter::full, BackoffJitter::equal, BackoffJitter::decorrelated})
    CHECK(parse_backoff_jitter(to_string(mode)) == mode);
  CHECK_FALSE(parse_backoff_jitter("random").has_value());
}
