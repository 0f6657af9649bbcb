#include "core/time.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace recharged {
namespace {

using namespace std::chrono;

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

Error bad_time(std::string_view text, std::string_view rule) {
  return Error::invalid("time", "The time '" + std::string(text.substr(0, 64)) + "' is not RFC 3339: " +
                                    std::string(rule) + ".");
}

} // namespace

Result<TimePoint> parse_rfc3339(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 20 || !read_digits(s, 0, 4, y) || s[4] != '-' || !read_digits(s, 5, 2, mo) || s[7] != '-' ||
      !read_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s, 11, 2, h) ||
      s[13] != ':' || !read_digits(s, 14, 2, mi) || s[16] != ':' || !read_digits(s, 17, 2, se))
    return bad_time(s, "expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset");
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return bad_time(s, "a date or time field is out of range");
  std::size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad_time(s, "a '.' must be followed by digits");
    for (int i = digits; i < 3; ++i) ms *= 10;
  }
  minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return bad_time(s, "the offset must look like +08:00");
    offset = hours{oh} + minutes{om};
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return bad_time(s, "a time zone (Z or +HH:MM) is required");
  }
  if (pos != s.size()) return bad_time(s, "unexpected text after the time zone");
  const auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{std::min(se, 59)} + milliseconds{ms};
  return TimePoint{time_point_cast<Millis>(local - offset)};
}

namespace {
std::string format_fields(TimePoint t, bool with_ms, std::string_view zone) {
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const hh_mm_ss<Millis> tod{t - day_point};
  std::array<char, 64> buf{};
  int n = 0;
  if (with_ms) {
    n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ld", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                      static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
                      static_cast<long>(tod.seconds().count()), static_cast<long>(tod.subseconds().count()));
  } else {
    n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                      static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
                      static_cast<long>(tod.seconds().count()));
  }
  std::string out(buf.data(), static_cast<std::size_t>(n));
  out += zone;
  return out;
}
} // namespace

std::string format_utc(TimePoint t) { return format_fields(t, true, "Z"); }

std::string format_rfc3339(TimePoint t, std::chrono::minutes offset) {
  const auto abs = offset < minutes{0} ? -offset : offset;
  std::array<char, 48> zone{};
  std::snprintf(zone.data(), zone.size(), "%c%02ld:%02ld", offset < minutes{0} ? '-' : '+',
                static_cast<long>(abs.count() / 60), static_cast<long>(abs.count() % 60));
  return format_fields(floor<seconds>(t) + offset, false, zone.data());
}

std::int64_t unix_seconds(TimePoint t) noexcept {
  return floor<seconds>(t).time_since_epoch().count();
}

TimePoint from_unix_seconds(std::int64_t s) noexcept { return TimePoint{seconds{s}}; }

Result<Millis> parse_duration(std::string_view text) {
  auto bad = [&](std::string_view rule) {
    return Error::invalid("duration", "The duration '" + std::string(text.substr(0, 64)) + "' is invalid: " +
                                          std::string(rule) + " (write e.g. 90s, 10m, 2h, 6d or 1h30m).");
  };
  if (text.empty()) return bad("it is empty");
  Millis total{0};
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t n = 0;
    const auto* begin = text.data() + pos;
    const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), n);
    if (ec != std::errc{} || end == begin || n < 0) return bad("expected a whole number");
    pos += static_cast<std::size_t>(end - begin);
    std::string_view unit = text.substr(pos);
    Millis scale{0};
    if (unit.starts_with("ms")) { scale = Millis{1}; pos += 2; }
    else if (unit.starts_with("s")) { scale = seconds{1}; pos += 1; }
    else if (unit.starts_with("m")) { scale = minutes{1}; pos += 1; }
    else if (unit.starts_with("h")) { scale = hours{1}; pos += 1; }
    else if (unit.starts_with("d")) { scale = days{1}; pos += 1; }
    else return bad("each number needs a unit: ms, s, m, h or d");
    if (n > (std::int64_t{1} << 40) || n > (Millis::max() - total) / scale) return bad("it is too large");
    total += scale * n;
  }
  return total;
}

std::string format_duration(Millis d) {
  if (d == Millis{0}) return "0s";
  std::string out;
  if (d < Millis{0}) { out = "-"; d = -d; }
  const std::pair<Millis, const char*> units[] = {
      {days{1}, "d"}, {hours{1}, "h"}, {minutes{1}, "m"}, {seconds{1}, "s"}, {Millis{1}, "ms"}};
  for (const auto& [unit, name] : units) {
    if (d >= unit) {
      out += std::to_string(d / unit) + name;
      d %= unit;
    }
  }
  return out;
}

} // namespace recharged
