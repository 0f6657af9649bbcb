#pragma once

#include "core/result.hpp"
#include "core/time.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::schedule {

using Date = std::chrono::year_month_day;

// The Shanghai calendar date of an instant (UTC+8, whatever the host's TZ).
[[nodiscard]] Date shanghai_date(TimePoint t) noexcept;
// 00:00 Shanghai time of `d`, as an instant.
[[nodiscard]] TimePoint shanghai_midnight(Date d) noexcept;

// Working days and the interbank (大额支付系统) settlement windows that delay bank transfers.
//
// Working day: a date listed in the State Council calendar is a working day iff isOffDay is false (调休
// make-up days); an unlisted date is a working day iff it is Monday to Friday.
// Interbank closed periods, Shanghai time (WeChat Pay: "周一至周四17:15-20:30,周五17:15-24:00,节假日全天"):
//   a non-working day is closed all day; a working day is closed 17:15–20:30 when the next day is a working
//   day, and 17:15–24:00 when it is not (the Friday rule, applied to every eve of a rest day).
// Immutable after load; thread-safe.
class SettlementCalendar {
public:
  // Reads every <year>.json (holiday-cn format: {year, papers, days:[{name,date,isOffDay}]}) from each
  // directory in order; a later directory's file for a year replaces an earlier one's, so operators can drop
  // next year's file into /etc/recharged/calendar without a rebuild. Missing directories are skipped.
  [[nodiscard]] static Result<SettlementCalendar> load(const std::vector<std::filesystem::path>& dirs);
  // Parses one year's file; `origin` names it in errors.
  [[nodiscard]] Status add_year_json(std::string_view json, std::string_view origin);

  [[nodiscard]] bool is_working_day(Date d) const noexcept;
  // Whether the year of `d` has a calendar file (an uncovered year falls back to Monday–Friday).
  [[nodiscard]] bool covers(Date d) const noexcept;
  // The first date in [from, from + days) whose year has no calendar file, if any (for `check` and logs).
  [[nodiscard]] std::optional<Date> first_uncovered(TimePoint from, int days) const;
  [[nodiscard]] std::vector<int> years() const;

  [[nodiscard]] bool interbank_open(TimePoint t) const noexcept;
  // The first instant >= t at which the interbank system is open (t itself when open).
  [[nodiscard]] TimePoint next_interbank_open(TimePoint t) const noexcept;
  // The first instant >= t at which the interbank system is closed.
  [[nodiscard]] TimePoint next_interbank_close(TimePoint t) const noexcept;

private:
  struct DayInfo {
    bool off = false;
    std::string name;
  };
  std::map<int, std::map<unsigned, DayInfo>> years_; // year -> (month*100+day) -> listed day
  std::set<int> covered_;                             // years whose own file was loaded
};

} // namespace recharged::schedule
