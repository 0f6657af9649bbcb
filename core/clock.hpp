#pragma once

#include "core/stop_signal.hpp"
#include "core/time.hpp"

#include <mutex>
#include <vector>

namespace recharged {

// The only source of "now" and the only way to wait. Everything that timestamps or waits takes a Clock&,
// so tests and simulations run in virtual time. Implementations are thread-safe.
class Clock {
public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
  // Waits until now() >= deadline, a stop is requested, or stop.wake() is called; it may also return early
  // (at most a second of real time per call), so callers re-check the time. Returns false once stopped.
  virtual bool sleep_until(TimePoint deadline, StopSignal& stop) = 0;
};

// Wall-clock time.
class SystemClock final : public Clock {
public:
  [[nodiscard]] TimePoint now() const override;
  bool sleep_until(TimePoint deadline, StopSignal& stop) override;
};

// Virtual time running `speed` times faster than real time from (virtual_origin at real_origin). The sandbox
// and a daemon configured with the same three numbers agree on "now" without talking to each other.
class ScaledClock final : public Clock {
public:
  ScaledClock(TimePoint virtual_origin, TimePoint real_origin, double speed);
  [[nodiscard]] TimePoint now() const override;
  bool sleep_until(TimePoint deadline, StopSignal& stop) override;
  [[nodiscard]] double speed() const noexcept { return speed_; }

private:
  TimePoint virtual_origin_;
  TimePoint real_origin_;
  double speed_;
};

// Time that moves only when told to. Sleepers wake when advance()/set() passes their deadline. Used by the
// virtual-time simulator, `schedule simulate`, and tests.
class ManualClock final : public Clock {
public:
  explicit ManualClock(TimePoint start);
  [[nodiscard]] TimePoint now() const override;
  bool sleep_until(TimePoint deadline, StopSignal& stop) override;
  void set(TimePoint t);
  void advance(Millis d);

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  TimePoint now_;
};

} // namespace recharged
