#include "core/clock.hpp"

#include <algorithm>

namespace recharged {

using namespace std::chrono;

TimePoint SystemClock::now() const { return time_point_cast<Millis>(system_clock::now()); }

bool SystemClock::sleep_until(TimePoint deadline, StopSignal& stop) {
  // Short steps, so a wall-clock step (NTP) cannot stretch a wait.
  const auto left = deadline - now();
  if (left <= Millis{0}) return !stop.stop_requested();
  return stop.wait_for(std::min<Millis>(left, seconds{1}));
}

ScaledClock::ScaledClock(TimePoint virtual_origin, TimePoint real_origin, double speed)
    : virtual_origin_(virtual_origin), real_origin_(real_origin), speed_(speed > 0 ? speed : 1.0) {}

TimePoint ScaledClock::now() const {
  const auto real = time_point_cast<Millis>(system_clock::now()) - real_origin_;
  return virtual_origin_ + Millis{static_cast<Millis::rep>(static_cast<double>(real.count()) * speed_)};
}

bool ScaledClock::sleep_until(TimePoint deadline, StopSignal& stop) {
  const auto left = deadline - now();
  if (left <= Millis{0}) return !stop.stop_requested();
  const auto real_left = Millis{static_cast<Millis::rep>(static_cast<double>(left.count()) / speed_) + 1};
  return stop.wait_for(std::min<Millis>(real_left, seconds{1}));
}

ManualClock::ManualClock(TimePoint start) : now_(start) {}

TimePoint ManualClock::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

bool ManualClock::sleep_until(TimePoint deadline, StopSignal& stop) {
  if (stop.stop_requested()) return false;
  std::unique_lock lock(mu_);
  // Poll the stop flag in small real-time steps: the flag lives in another object's condition variable.
  cv_.wait_for(lock, milliseconds{20}, [&] { return now_ >= deadline; });
  return !stop.stop_requested();
}

void ManualClock::set(TimePoint t) {
  {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  cv_.notify_all();
}

void ManualClock::advance(Millis d) {
  {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  cv_.notify_all();
}

} // namespace recharged
