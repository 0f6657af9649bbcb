#include "core/time.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace std::chrono;

TEST_CASE("an RFC 3339 time with a +08:00 offset parses to the same UTC instant") {
  auto t = parse_rfc3339("2026-11-23T17:30:05+08:00");
  REQUIRE(t.ok());
  CHECK(format_utc(*t) == "2026-11-23T09:30:05.000Z");
  CHECK(format_rfc3339(*t) == "2026-11-23T17:30:05+08:00");
}

TEST_CASE("fractional seconds and Z are accepted") {
  auto t = parse_rfc3339("2024-02-29T23:59:59.1234Z");
  REQUIRE(t.ok());
  CHECK(format_utc(*t) == "2024-02-29T23:59:59.123Z");
}

TEST_CASE("times without a zone or with impossible dates are refused with the rule") {
  CHECK_FALSE(parse_rfc3339("2026-11-23T17:30:05").ok());
  CHECK_FALSE(parse_rfc3339("2026-02-30T00:00:00Z").ok());
  CHECK_FALSE(parse_rfc3339("2026-11-23T17:30:05+0800").ok());
  CHECK_FALSE(parse_rfc3339("").ok());
  auto bad = parse_rfc3339("2026-11-23 junk");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("a negative offset moves the instant forward") {
  auto t = parse_rfc3339("2026-01-01T00:00:00-05:30");
  REQUIRE(t.ok());
  CHECK(format_utc(*t) == "2026-01-01T05:30:00.000Z");
}

TEST_CASE("unix seconds round-trip") {
  const auto t = from_unix_seconds(1624523846);
  CHECK(unix_seconds(t) == 1624523846);
  CHECK(format_utc(t) == "2021-06-24T08:37:26.000Z");
}

TEST_CASE("durations parse with units and format back") {
  CHECK(parse_duration("90s").value() == seconds{90});
  CHECK(parse_duration("1h30m").value() == minutes{90});
  CHECK(parse_duration("6d").value() == days{6});
  CHECK(parse_duration("250ms").value() == milliseconds{250});
  CHECK_FALSE(parse_duration("10").ok());
  CHECK_FALSE(parse_duration("").ok());
  CHECK_FALSE(parse_duration("5x").ok());
  CHECK_FALSE(parse_duration("-5m").ok());
  CHECK(format_duration(seconds{90}) == "1m30s");
  CHECK(format_duration(days{6} + hours{2}) == "6d2h");
  CHECK(format_duration(Millis{0}) == "0s");
}
