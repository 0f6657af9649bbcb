#include "schedule/interbank_timing.hpp"

#include "schedule_fixtures.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::schedule;
using namespace recharged::test::schedule;
using namespace std::chrono;

namespace {
const Millis k_settle = minutes{10};
}

TEST_CASE("transfers are settled only after the window has been open for the settlement delay") {
  const auto& cal = shipped_calendar();
  CHECK(transfers_settled_at(cal, sh("2026-11-23T12:00:00"), k_settle));
  CHECK(transfers_settled_at(cal, sh("2026-11-23T17:14:59"), k_settle));
  CHECK_FALSE(transfers_settled_at(cal, sh("2026-11-23T17:15:00"), k_settle)); // closed
  CHECK_FALSE(transfers_settled_at(cal, sh("2026-11-23T20:35:00"), k_settle)); // reopened 5 min ago
  CHECK(transfers_settled_at(cal, sh("2026-11-23T20:40:00"), k_settle));
  CHECK(next_settled(cal, sh("2026-11-23T18:00:00"), k_settle) == sh("2026-11-23T20:40:00"));
  CHECK(next_settled(cal, sh("2026-11-23T11:00:00"), k_settle) == sh("2026-11-23T11:00:00"));
}

TEST_CASE("the next reopening after a weekday poll is 20:30 the same evening") {
  const auto& cal = shipped_calendar();
  CHECK(next_reopening(cal, sh("2026-11-23T10:00:00"), k_settle) == sh("2026-11-23T20:30:00"));
  CHECK(next_reopening(cal, sh("2026-11-23T18:00:00"), k_settle) == sh("2026-11-23T20:30:00"));
  // A poll at 20:35 has not yet seen everything held since 17:15; one at 20:40 has.
  CHECK(next_reopening(cal, sh("2026-11-23T20:35:00"), k_settle) == sh("2026-11-23T20:30:00"));
  CHECK(next_reopening(cal, sh("2026-11-23T20:40:00"), k_settle) == sh("2026-11-24T20:30:00"));
}

TEST_CASE("from Friday afternoon the next reopening is Monday midnight") {
  const auto& cal = shipped_calendar();
  CHECK(next_reopening(cal, sh("2026-11-27T15:00:00"), k_settle) == sh("2026-11-30T00:00:00"));
  CHECK(next_reopening(cal, sh("2026-11-28T12:00:00"), k_settle) == sh("2026-11-30T00:00:00"));
}

TEST_CASE("National Day keeps the interbank system closed from 30 September 17:15 to 8 October") {
  const auto& cal = shipped_calendar();
  CHECK(next_reopening(cal, sh("2026-09-30T10:00:00"), k_settle) == sh("2026-10-08T00:00:00"));
  CHECK(next_settled(cal, sh("2026-10-04T10:00:00"), k_settle) == sh("2026-10-08T00:10:00"));
}

TEST_CASE("a make-up Saturday is a working day whose evening is closed until Monday") {
  const auto& cal = shipped_calendar();
  // 2026-10-10 (Sat) is a make-up workday after National Day; Sunday 10-11 is a rest day.
  CHECK(cal.interbank_open(sh("2026-10-10T10:00:00")));
  CHECK_FALSE(cal.interbank_open(sh("2026-10-10T21:00:00")));
  CHECK(next_reopening(cal, sh("2026-10-10T10:00:00"), k_settle) == sh("2026-10-12T00:00:00"));
  // 2026-02-14 (Sat) works before Spring Festival, which keeps the window closed until 24 February.
  CHECK(cal.interbank_open(sh("2026-02-14T09:00:00")));
  CHECK(next_reopening(cal, sh("2026-02-14T09:00:00"), k_settle) == sh("2026-02-24T00:00:00"));
}

TEST_CASE("the year boundary: 元旦 2026 closes from 31 December 17:15 until the make-up Sunday 4 January") {
  const auto& cal = shipped_calendar();
  CHECK(cal.interbank_open(sh("2025-12-31T17:00:00")));
  CHECK_FALSE(cal.interbank_open(sh("2025-12-31T23:59:00")));
  CHECK(next_reopening(cal, sh("2025-12-31T12:00:00"), k_settle) == sh("2026-01-04T00:00:00"));
}
