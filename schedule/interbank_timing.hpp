#pragma once

#include "core/time.hpp"
#include "schedule/settlement_calendar.hpp"

#include <optional>

namespace recharged::schedule {

// Bank-transfer timing on top of SettlementCalendar. `settle` is how long a transfer takes to land once the
// interbank system is open (the seeds say "usually within 10 minutes").

// Whether the interbank system was open throughout [t - settle, t], so every transfer made before t - settle
// has landed by t and none is held by a closed window.
[[nodiscard]] bool transfers_settled_at(const SettlementCalendar& cal, TimePoint t, Millis settle) noexcept;

// The first t' >= t at which transfers_settled_at holds: t itself, or a reopening plus `settle`.
[[nodiscard]] TimePoint next_settled(const SettlementCalendar& cal, TimePoint t, Millis settle) noexcept;

// The first reopening R of the interbank system with R + settle > t: the reopening whose held transfers a
// poll at `t` has not yet been able to see.
[[nodiscard]] TimePoint next_reopening(const SettlementCalendar& cal, TimePoint t, Millis settle) noexcept;

// The last reopening R before `until` whose held transfers a poll at `after` cannot have seen (R + settle >
// after), if any: a close at min(R + settle, until) sees every transfer held by a closed window that lands
// by `until`.
[[nodiscard]] std::optional<TimePoint> last_reopening_before(const SettlementCalendar& cal, TimePoint after,
                                                             TimePoint until, Millis settle) noexcept;

} // namespace recharged::schedule
