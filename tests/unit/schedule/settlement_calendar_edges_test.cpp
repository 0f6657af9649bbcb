// Edges of the interbank windows beyond settlement_calendar_test.cpp: exact instants at 17:15, 20:30 and
// 24:00, the eves of holidays, make-up days and the year boundary.

#include "schedule/settlement_calendar.hpp"
#include "schedule_fixtures.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::schedule;
using namespace recharged::test::schedule;
using namespace std::chrono;

namespace {
constexpr Millis k_ms{1};
}

TEST_CASE("the window closes at exactly 17:15:00.000 and reopens at exactly 20:30:00.000") {
  const auto& cal = shipped_calendar();
  CHECK(cal.interbank_open(sh("2026-11-24T17:15:00") - k_ms));
  CHECK_FALSE(cal.interbank_open(sh("2026-11-24T17:15:00")));
  CHECK_FALSE(cal.interbank_open(sh("2026-11-24T20:30:00") - k_ms));
  CHECK(cal.interbank_open(sh("2026-11-24T20:30:00")));
  CHECK(cal.next_interbank_close(sh("2026-11-24T17:15:00") - k_ms) == sh("2026-11-24T17:15:00"));
  CHECK(cal.next_interbank_open(sh("2026-11-24T17:15:00")) == sh("2026-11-24T20:30:00"));
}

TEST_CASE("before a rest day the window stays closed through 24:00 and opens at the next working midnight") {
  const auto& cal = shipped_calendar();
  CHECK_FALSE(cal.interbank_open(sh("2026-11-27T20:30:00"))); // Friday: no 20:30 reopening
  CHECK_FALSE(cal.interbank_open(sh("2026-11-29T23:59:59.999")));
  CHECK(cal.interbank_open(sh("2026-11-30T00:00:00")));
  CHECK(cal.next_interbank_close(sh("2026-11-26T21:00:00")) == sh("2026-11-27T17:15:00"));
}

TEST_CASE("the eve of National Day closes at 17:15 and the system reopens on 8 October") {
  const auto& cal = shipped_calendar();
  CHECK(cal.interbank_open(sh("2026-09-30T17:14:00")));
  CHECK_FALSE(cal.interbank_open(sh("2026-09-30T20:30:00")));
  CHECK_FALSE(cal.interbank_open(sh("2026-10-07T23:59:59")));
  CHECK(cal.next_interbank_open(sh("2026-09-30T17:15:00")) == sh("2026-10-08T00:00:00"));
  // Mid-Autumn (09-25..27) is its own closure inside the same fortnight.
  CHECK(cal.next_interbank_open(sh("2026-09-24T18:00:00")) == sh("2026-09-28T00:00:00"));
}

TEST_CASE("make-up working days open the window on a weekend") {
  const auto& cal = shipped_calendar();
  for (const char* day : {"2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10", "2026-01-04"}) {
    CAPTURE(std::string(day));
    CHECK(cal.is_working_day(shanghai_date(sh(std::string(day) + "T12:00:00"))));
    CHECK(cal.interbank_open(sh(std::string(day) + "T12:00:00")));
  }
  // A make-up Sunday before a working Monday has the ordinary evening closure only.
  CHECK_FALSE(cal.interbank_open(sh("2026-09-20T18:00:00")));
  CHECK(cal.interbank_open(sh("2026-09-20T20:30:00")));
}

TEST_CASE("the year boundary follows both years' calendars") {
  const auto& cal = shipped_calendar();
  CHECK(cal.interbank_open(sh("2025-12-31T17:15:00") - k_ms));
  CHECK_FALSE(cal.interbank_open(sh("2025-12-31T23:59:59.999")));
  CHECK_FALSE(cal.interbank_open(sh("2026-01-01T00:00:00")));
  CHECK(cal.next_interbank_open(sh("2025-12-31T17:15:00")) == sh("2026-01-04T00:00:00"));
  // 2026-12-31 is a Thursday and 2027 has no file: the next day falls back to Monday–Friday.
  CHECK(cal.interbank_open(sh("2026-12-31T20:30:00")));
  CHECK(cal.next_interbank_close(sh("2026-12-31T21:00:00")) == sh("2027-01-01T17:15:00"));
}

TEST_CASE("Shanghai dates do not depend on the host's notion of midnight") {
  CHECK(shanghai_date(sh("2026-01-01T00:00:00")) == 2026y / January / 1);
  CHECK(shanghai_date(sh("2026-01-01T00:00:00") - k_ms) == 2025y / December / 31);
  CHECK(shanghai_midnight(2026y / January / 1) == parse_rfc3339("2025-12-31T16:00:00Z").value());
}

TEST_CASE("only files named after a four-digit year are loaded, whatever bytes other names hold") {
  test::TempDir dir;
  dir.write("2027.json", R"({"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]})");
  dir.write("\xc3\xa9" "02.json", "not json at all"); // "é02.json": non-ASCII bytes where digits belong
  dir.write("20x7.json", "not json either");
  auto cal = SettlementCalendar::load({dir.path()});
  REQUIRE(cal.ok());
  CHECK(cal->years() == std::vector<int>{2027});
  CHECK_FALSE(cal->is_working_day(2027y / January / 1));
}
