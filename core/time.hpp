#pragma once

#include "core/result.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace recharged {

// Every instant in recharged is UTC with millisecond precision. Storage uses format_utc (fixed width,
// so text order is time order); the wire uses RFC 3339 with an offset; settlement rules use Shanghai time.
using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<Millis>;

// China has kept UTC+8 without daylight saving since 1991, so Asia/Shanghai is a fixed offset for every
// date the platform can produce; this needs no tz database and ignores the host's TZ.
inline constexpr std::chrono::minutes k_shanghai_offset{8 * 60};

// Parses RFC 3339 ("2026-11-23T17:30:00+08:00", "…T09:30:00.5Z"); fractional seconds beyond ms are truncated.
[[nodiscard]] Result<TimePoint> parse_rfc3339(std::string_view text);
// "2026-11-23T09:30:00.123Z": 24 characters, always UTC, always milliseconds.
[[nodiscard]] std::string format_utc(TimePoint t);
// "2026-11-23T17:30:00+08:00" (seconds precision, as the platform writes it).
[[nodiscard]] std::string format_rfc3339(TimePoint t, std::chrono::minutes offset = k_shanghai_offset);

[[nodiscard]] std::int64_t unix_seconds(TimePoint t) noexcept;
[[nodiscard]] TimePoint from_unix_seconds(std::int64_t seconds) noexcept;

// Durations in config and on the command line: "500ms", "90s", "10m", "2h", "6d", "1h30m".
[[nodiscard]] Result<Millis> parse_duration(std::string_view text);
// The shortest exact spelling in the same units: 90000ms -> "1m30s".
[[nodiscard]] std::string format_duration(Millis d);

} // namespace recharged
