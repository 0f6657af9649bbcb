#include "core/clock.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace recharged;
using namespace std::chrono;

namespace {

const TimePoint k_start{sys_days{year{2026} / 11 / 23} + hours{9}};

// Real time spent in `fn`.
template <class Fn>
Millis elapsed(Fn&& fn) {
  const auto t0 = steady_clock::now();
  fn();
  return duration_cast<Millis>(steady_clock::now() - t0);
}

} // namespace

TEST_CASE("a manual clock stays where it is put until set or advanced") {
  ManualClock clock(k_start);
  CHECK(clock.now() == k_start);
  clock.advance(minutes{5});
  CHECK(clock.now() == k_start + minutes{5});
  clock.set(k_start - hours{1});
  CHECK(clock.now() == k_start - hours{1});
}

TEST_CASE("a manual-clock sleep whose deadline has passed returns at once and reports not stopped") {
  ManualClock clock(k_start);
  StopSignal stop;
  bool result = false;
  result = clock.sleep_until(k_start - seconds{1}, stop); // time never moves here: returning at all is the proof
  CHECK(result);
}

TEST_CASE("a manual-clock sleeper wakes when another thread advances time past its deadline") {
  ManualClock clock(k_start);
  StopSignal stop;
  const TimePoint deadline = k_start + hours{6};
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    while (clock.now() < deadline)
      if (!clock.sleep_until(deadline, stop)) return;
    woke = true;
  });
  clock.advance(hours{3});
  CHECK_FALSE(woke.load());
  clock.advance(hours{3});
  sleeper.join();
  CHECK(woke.load());
}

TEST_CASE("a manual-clock sleep reports a stop that was requested") {
  ManualClock clock(k_start);
  StopSignal stop;
  stop.request_stop();
  CHECK_FALSE(clock.sleep_until(k_start + hours{1}, stop));
}

TEST_CASE("the system clock reads wall time in milliseconds") {
  SystemClock clock;
  const auto before = time_point_cast<Millis>(system_clock::now());
  const auto now = clock.now();
  const auto after = time_point_cast<Millis>(system_clock::now());
  CHECK(now >= before);
  CHECK(now <= after);
}

TEST_CASE("a system-clock sleep of an hour ends at once when stop is requested from another thread") {
  SystemClock clock;
  StopSignal stop;
  bool result = true;
  std::thread stopper([&] {
    std::this_thread::sleep_for(Millis{50});
    stop.request_stop();
  });
  const auto took = elapsed([&] {
    const TimePoint deadline = clock.now() + hours{1};
    while (clock.now() < deadline && (result = clock.sleep_until(deadline, stop))) {
    }
  });
  stopper.join();
  CHECK_FALSE(result);
  CHECK(took < minutes{10}); // ended long before its hour; no speed claim (the suite runs under sanitizers too)
}

TEST_CASE("a short system-clock sleep reaches its deadline") {
  SystemClock clock;
  StopSignal stop;
  const TimePoint deadline = clock.now() + Millis{30};
  while (clock.now() < deadline) REQUIRE(clock.sleep_until(deadline, stop));
  CHECK(clock.now() >= deadline);
}

TEST_CASE("a scaled clock runs speed times faster than real time from its origin") {
  const auto real_origin = time_point_cast<Millis>(system_clock::now());
  ScaledClock clock(k_start, real_origin, 1000.0);
  CHECK(clock.speed() == 1000.0);
  const auto real_before = time_point_cast<Millis>(system_clock::now());
  std::this_thread::sleep_for(Millis{20});
  const auto virtual_now = clock.now();
  const auto real_after = time_point_cast<Millis>(system_clock::now());
  CHECK(virtual_now >= k_start + (real_before - real_origin + Millis{20}) * 1000);
  CHECK(virtual_now <= k_start + (real_after - real_origin) * 1000);
}

TEST_CASE("a scaled-clock sleep of a virtual minute at speed 1000 takes tens of real milliseconds") {
  ScaledClock clock(k_start, time_point_cast<Millis>(system_clock::now()), 1000.0);
  StopSignal stop;
  const TimePoint deadline = clock.now() + minutes{1};
  const auto took = elapsed([&] {
    while (clock.now() < deadline) REQUIRE(clock.sleep_until(deadline, stop));
  });
  CHECK(took >= Millis{50});
  CHECK(took < Millis{30'000}); // well short of a real minute: the clock did run faster (no speed claim)
}

TEST_CASE("a scaled clock with a speed that is not positive runs at real speed") {
  ScaledClock clock(k_start, time_point_cast<Millis>(system_clock::now()), 0.0);
  CHECK(clock.speed() == 1.0);
  ScaledClock negative(k_start, time_point_cast<Millis>(system_clock::now()), -5.0);
  CHECK(negative.speed() == 1.0);
}
