#include "schedule/settlement_calendar.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace recharged;
using namespace recharged::schedule;
using namespace std::chrono;

namespace {

SettlementCalendar shipped() {
  auto cal = SettlementCalendar::load({std::filesystem::path(RECHARGED_SOURCE_DIR) / "data/calendar"});
  REQUIRE(cal.ok());
  return std::move(*cal);
}

TimePoint sh(const char* local) { return parse_rfc3339(std::string(local) + "+08:00").value(); }

} // namespace

TEST_CASE("the shipped calendar covers 2024 to 2026 and knows make-up workdays") {
  const auto cal = shipped();
  CHECK(cal.years() == std::vector<int>{2024, 2025, 2026});
  CHECK(cal.is_working_day(2026y / January / 4));   // Sunday, 调休 make-up workday
  CHECK_FALSE(cal.is_working_day(2026y / January / 1)); // 元旦
  CHECK_FALSE(cal.is_working_day(2026y / February / 17)); // 春节
  CHECK(cal.is_working_day(2026y / November / 23));  // ordinary Monday
  CHECK_FALSE(cal.is_working_day(2026y / November / 22)); // ordinary Sunday
  CHECK_FALSE(cal.covers(2027y / January / 1));
  CHECK(cal.first_uncovered(sh("2026-12-10T00:00:00"), 30) == std::optional<Date>(2027y / January / 1));
}

TEST_CASE("Monday to Thursday the interbank window is closed from 17:15 to 20:30") {
  const auto cal = shipped();
  CHECK(cal.interbank_open(sh("2026-11-23T17:14:59")));
  CHECK_FALSE(cal.interbank_open(sh("2026-11-23T17:15:00")));
  CHECK_FALSE(cal.interbank_open(sh("2026-11-23T20:29:59")));
  CHECK(cal.interbank_open(sh("2026-11-23T20:30:00")));
  CHECK(cal.next_interbank_open(sh("2026-11-23T18:00:00")) == sh("2026-11-23T20:30:00"));
  CHECK(cal.next_interbank_close(sh("2026-11-23T09:00:00")) == sh("2026-11-23T17:15:00"));
}

TEST_CASE("on Friday the window stays closed until Monday") {
  const auto cal = shipped();
  CHECK_FALSE(cal.interbank_open(sh("2026-11-27T21:00:00")));
  CHECK_FALSE(cal.interbank_open(sh("2026-11-28T12:00:00")));
  CHECK(cal.next_interbank_open(sh("2026-11-27T17:15:00")) == sh("2026-11-30T00:00:00"));
}

TEST_CASE("the host time zone does not change Shanghai settlement rules") {
  setenv("TZ", "America/New_York", 1);
  tzset();
  const auto cal = shipped();
  CHECK_FALSE(cal.interbank_open(sh("2026-11-23T17:15:00")));
  CHECK(shanghai_date(sh("2026-11-23T00:30:00")) == 2026y / November / 23);
  unsetenv("TZ");
  tzset();
}

TEST_CASE("a bad calendar file is refused with its name and the rule") {
  SettlementCalendar cal;
  auto r = cal.add_year_json(R"({"year":2027,"days":[{"date":"2027-13-01","isOffDay":true}]})", "2027.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("2027.json") != std::string::npos);
  CHECK_FALSE(cal.add_year_json("[]", "x.json").ok());
}
