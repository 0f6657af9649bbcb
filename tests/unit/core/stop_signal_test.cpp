#include "core/stop_signal.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace recharged;
using namespace std::chrono;

namespace {

template <class Fn>
milliseconds elapsed(Fn&& fn) {
  const auto t0 = steady_clock::now();
  fn();
  return duration_cast<milliseconds>(steady_clock::now() - t0);
}

} // namespace

TEST_CASE("a new stop signal is not stopped and a wait on it runs to its deadline") {
  StopSignal stop;
  CHECK_FALSE(stop.stop_requested());
  bool result = false;
  const auto took = elapsed([&] { result = stop.wait_for(milliseconds{30}); });
  CHECK(result);
  CHECK(took >= milliseconds{30});
}

TEST_CASE("once stop is requested every later wait returns false at once") {
  StopSignal stop;
  stop.request_stop();
  CHECK(stop.stop_requested());
  bool result = true;
  CHECK(elapsed([&] { result = stop.wait_for(hours{1}); }) < minutes{10}); // far short of the hour, no speed claim
  CHECK_FALSE(result);
  stop.request_stop(); // idempotent
  CHECK(stop.stop_requested());
}

TEST_CASE("a stop requested from another thread ends a long wait at once") {
  StopSignal stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds{30});
    stop.request_stop();
  });
  bool result = true;
  const auto took = elapsed([&] { result = stop.wait_for(hours{1}); });
  stopper.join();
  CHECK_FALSE(result);
  CHECK(took < minutes{10}); // far short of the hour: no speed claim (the suite runs under sanitizers too)
}

TEST_CASE("wake ends a wait early without stopping") {
  StopSignal stop;
  std::thread waker([&] {
    std::this_thread::sleep_for(milliseconds{30});
    stop.wake();
  });
  bool result = false;
  const auto took = elapsed([&] { result = stop.wait_for(hours{1}); });
  waker.join();
  CHECK(result);
  CHECK_FALSE(stop.stop_requested());
  CHECK(took < minutes{10});
}

TEST_CASE("a wake that comes while nobody waits ends the next wait at once, and only that one") {
  // The daemon decides to sleep, then sleeps: work announced in between must not be slept through.
  StopSignal stop;
  stop.wake();
  bool result = false;
  CHECK(elapsed([&] { result = stop.wait_for(hours{1}); }) < minutes{10}); // far short of the hour
  CHECK(result);
  CHECK(elapsed([&] { result = stop.wait_for(milliseconds{30}); }) >= milliseconds{30});
  CHECK(result);
}
