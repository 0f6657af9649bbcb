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

TEST_CASE("a leap second is accepted and read as the 59th second") {
  auto t = parse_rfc3339("2016-12-31T23:59:60Z");
  REQUIRE(t.ok());
  CHECK(format_utc(*t) == "2016-12-31T23:59:59.000Z");
}

TEST_CASE("the platform's RFC 3339 spelling round-trips through format_rfc3339") {
  for (std::string text : {"2015-05-19T13:29:35+08:00", "2024-12-03T15:10:21+08:00", "2026-01-01T00:00:00+08:00"}) {
    CAPTURE(text);
    auto t = parse_rfc3339(text);
    REQUIRE(t.ok());
    CHECK(format_rfc3339(*t) == text);
  }
  auto t = parse_rfc3339("2026-11-23T09:30:00.999Z");
  REQUIRE(t.ok());
  CHECK(format_rfc3339(*t, std::chrono::minutes{0}) == "2026-11-23T09:30:00+00:00");
  CHECK(format_rfc3339(*t, -std::chrono::minutes{330}) == "2026-11-23T04:00:00-05:30");
}

TEST_CASE("storage times are fixed width and sort as text in time order") {
  const auto a = from_unix_seconds(0) - milliseconds{1};
  const auto b = from_unix_seconds(0);
  const auto c = from_unix_seconds(4'102'444'800); // 2100-01-01
  CHECK(format_utc(a) == "1969-12-31T23:59:59.999Z");
  CHECK(format_utc(b) == "1970-01-01T00:00:00.000Z");
  CHECK(format_utc(c) == "2100-01-01T00:00:00.000Z");
  CHECK(format_utc(a).size() == 24);
  CHECK(format_utc(a) < format_utc(b));
  CHECK(format_utc(b) < format_utc(c));
}

TEST_CASE("truncated or garbled RFC 3339 texts are refused") {
  for (std::string bad : {"2026-11-23T17:30:05+08", "2026-11-23T17:30:05+08:0", "2026-11-23T17:30:05.Z",
                          "2026-11-23T24:00:00Z", "2026-11-23T17:60:00Z", "2026-13-01T00:00:00Z",
                          "2026-11-23T17:30:05Zjunk", "2026-11-23T17:30:05+24:00", "+2026-11-23T17:30:05Z",
                          "2026/11/23T17:30:05Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).ok());
  }
}

TEST_CASE("durations parse from config spellings and format back to the shortest form") {
  CHECK(parse_duration("500ms").value() == milliseconds{500});
  CHECK(parse_duration("90s").value() == seconds{90});
  CHECK(parse_duration("10m").value() == minutes{10});
  CHECK(parse_duration("2h").value() == hours{2});
  CHECK(parse_duration("6d").value() == days{6});
  CHECK(parse_duration("1h30m").value() == minutes{90});
  CHECK(parse_duration("0s").value() == milliseconds{0});
  CHECK(format_duration(milliseconds{90'000}) == "1m30s");
  CHECK(format_duration(days{6} + hours{23} + milliseconds{5}) == "6d23h5ms");
  CHECK(format_duration(milliseconds{0}) == "0s");
  CHECK(format_duration(-seconds{5}) == "-5s");
  for (std::string text : {"500ms", "1m30s", "6d", "2h15m", "1d1h1m1s1ms"}) {
    CAPTURE(text);
    CHECK(format_duration(parse_duration(text).value()) == text);
  }
}

TEST_CASE("durations without units, with signs or with unknown units are refused with an example") {
  for (std::string bad : {"", "10", "-5s", "+5s", "5x", "1h30", "h", "1.5h", " 5s", "5 s"}) {
    CAPTURE(bad);
    auto r = parse_duration(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "duration");
    CHECK(r.error().message.find("10m") != std::string::npos);
  }
}

TEST_CASE("durations too large to hold in milliseconds are refused instead of wrapping around") {
  // 2^63 ms is about 106,751,991,167 days.
  for (std::string huge : {"1099511627776d", "106751991168d", "106751991167d106751991167d",
                           "9223372036854775807ms", "99999999999999999999s"}) {
    CAPTURE(huge);
    CHECK_FALSE(parse_duration(huge).ok());
  }
  // Large but representable values still work.
  CHECK(parse_duration("36500d").value() == days{36500});
}
