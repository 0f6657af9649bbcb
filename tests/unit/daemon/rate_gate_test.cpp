#include "daemon/rate_gate.hpp"

#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace recharged;
using namespace std::chrono;

namespace {
config::LimitsConfig limits(double rate, int burst) {
  config::LimitsConfig l;
  l.query_rate = rate;
  l.apply_rate = rate;
  l.close_rate = rate;
  l.burst = burst;
  return l;
}
const TimePoint k_start = parse_rfc3339("2026-11-23T10:00:00Z").value();
} // namespace

TEST_CASE("calls beyond the burst wait for tokens in the gate's clock") {
  ManualClock clock(k_start);
  StopSignal stop;
  daemon::RateGate gate(limits(2.0, 2), clock, stop);
  CHECK(gate.enter(wxpay::Endpoint::query));
  CHECK(gate.enter(wxpay::Endpoint::query));
  std::atomic<bool> third{false};
  std::thread waiter([&] { third = gate.enter(wxpay::Endpoint::query); });
  REQUIRE(test::eventually([&] { return gate.stats().waits == 1; }, milliseconds{60'000})); // it waits for a token
  CHECK_FALSE(third.load()); // no time has passed: no token
  clock.advance(milliseconds{600});
  waiter.join();
  CHECK(third.load());
  CHECK(gate.stats().waits == 1);
}

TEST_CASE("endpoints have separate buckets") {
  ManualClock clock(k_start);
  StopSignal stop;
  daemon::RateGate gate(limits(1.0, 1), clock, stop);
  CHECK(gate.enter(wxpay::Endpoint::query));
  CHECK(gate.enter(wxpay::Endpoint::apply));
  CHECK(gate.enter(wxpay::Endpoint::close));
}

TEST_CASE("a 429 lowers the rate and a stop ends a wait at once") {
  ManualClock clock(k_start);
  StopSignal stop;
  daemon::RateGate gate(limits(10.0, 1), clock, stop);
  REQUIRE(gate.enter(wxpay::Endpoint::query));
  Error limited = Error::make(ErrorKind::rate_limited, "FREQUENCY_LIMITED", "slow down");
  gate.leave(wxpay::Endpoint::query, &limited);
  CHECK(gate.stats().query_rate < 10.0);
  CHECK(gate.stats().rate_limited == 1);
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = gate.enter(wxpay::Endpoint::query) ? 1 : 0; });
  REQUIRE(test::eventually([&] { return gate.stats().waits == 1; }, milliseconds{60'000})); // the stop finds it waiting
  stop.request_stop();
  waiter.join();
  CHECK(result == 0);
  CHECK_FALSE(gate.enter(wxpay::Endpoint::apply)); // nothing new starts once stopping
}

TEST_CASE("daemons sharing a database split the merchant's API budget evenly among the live ones") {
  config::LimitsConfig limits;
  limits.query_rate = 90;
  limits.apply_rate = 6;
  limits.close_rate = 3;
  limits.burst = 10;
  using daemon::limits_share;
  const auto third = limits_share(limits, 3);
  CHECK(third.query_rate == doctest::Approx(30));
  CHECK(third.apply_rate == doctest::Approx(2));
  CHECK(third.close_rate == doctest::Approx(1));
  CHECK(third.burst == 3);
  CHECK(third.concurrency == limits.concurrency); // a host's own resources are not shared
  CHECK(limits_share(limits, 1).query_rate == doctest::Approx(90));
  CHECK(limits_share(limits, 0).query_rate == doctest::Approx(90)); // before its own first heartbeat is seen
  CHECK(limits_share(limits, 20).burst == 1);
}
