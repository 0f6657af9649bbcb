#include "schedule/interbank_timing.hpp"

namespace recharged::schedule {

bool transfers_settled_at(const SettlementCalendar& cal, TimePoint t, Millis settle) noexcept {
  const TimePoint from = t - settle;
  return cal.interbank_open(from) && cal.next_interbank_close(from) > t;
}

TimePoint next_settled(const SettlementCalendar& cal, TimePoint t, Millis settle) noexcept {
  if (transfers_settled_at(cal, t, settle)) return t;
  return next_reopening(cal, t, settle) + settle;
}

TimePoint next_reopening(const SettlementCalendar& cal, TimePoint t, Millis settle) noexcept {
  // The window that closes first at or after t - settle reopens at R > t - settle, so R + settle > t.
  return cal.next_interbank_open(cal.next_interbank_close(t - settle));
}

std::optional<TimePoint> last_reopening_before(const SettlementCalendar& cal, TimePoint after, TimePoint until,
                                               Millis settle) noexcept {
  std::optional<TimePoint> last;
  for (TimePoint r = next_reopening(cal, after, settle); r + settle > after && r < until;) {
    last = r;
    const TimePoint next = next_reopening(cal, r + settle, settle); // the first reopening after r
    if (next <= r) break; // no reopening within a year of r (a calendar without working days)
    r = next;
  }
  return last;
}

} // namespace recharged::schedule
