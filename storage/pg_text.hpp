#pragma once

#include <string>
#include <string_view>

// Pure text conversions of the PostgreSQL backend (storage/pg_connection.cpp), apart so they are tested alone.
namespace recharged::storage::pg {

// The local Error::code for a SQLSTATE: class 23 and P0001 (a guard trigger's RAISE) "constraint"; 40001, 40P01,
// 55P03 "busy"; class 08 and 57P01-57P03 "unavailable"; 53100 "full"; 25006 "readonly"; anything else "postgres".
[[nodiscard]] std::string_view error_code_for_sqlstate(std::string_view sqlstate) noexcept;

// A libpq connection URI or key=value string with its password (in the user info or a password parameter)
// replaced by "***".
[[nodiscard]] std::string redact_url(std::string_view url);

// PostgreSQL's ISO output of a timestamptz ('2026-11-23 02:00:00.123456+00', 0-6 fraction digits, any whole
// hour or hour:minute offset) as format_utc text ('2026-11-23T02:00:00.123Z'). Text it cannot read
// ('infinity', a BC date, an offset with seconds) comes back unchanged.
[[nodiscard]] std::string utc_text_of_timestamptz(std::string_view text);

} // namespace recharged::storage::pg
