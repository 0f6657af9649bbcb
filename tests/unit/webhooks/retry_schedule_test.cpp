#include "webhooks/retry_schedule.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::webhooks;
using namespace std::chrono_literals;

TEST_CASE("retries follow 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h within ±10 %, then the delivery is given up") {
  const Millis expected[] = {5s, 5min, 30min, 2h, 5h, 10h, 10h};
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    for (int failed = 1; failed < k_max_attempts; ++failed) {
      const auto wait = retry_delay(failed, seed);
      REQUIRE(wait);
      const Millis base = expected[failed - 1];
      CHECK(*wait >= base - base / 10);
      CHECK(*wait <= base + base / 10);
    }
    CHECK_FALSE(retry_delay(k_max_attempts, seed));
    CHECK_FALSE(retry_delay(0, seed));
  }
}

TEST_CASE("retry jitter is deterministic per message and differs between messages") {
  CHECK(retry_delay(3, 42) == retry_delay(3, 42));
  int differ = 0;
  for (std::uint64_t seed = 0; seed < 50; ++seed) differ += retry_delay(3, seed) != retry_delay(3, seed + 1) ? 1 : 0;
  CHECK(differ > 40);
}

TEST_CASE("the whole schedule spans about a day, as the platform's own notification retries do") {
  Millis total{0};
  for (int failed = 1; failed < k_max_attempts; ++failed) total += *retry_delay(failed, 7);
  CHECK(total > 24h);
  CHECK(total < 32h);
}
