#include "schedule/settlement_calendar.hpp"

#include "core/file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace recharged::schedule {

using namespace std::chrono;

namespace {

constexpr minutes k_cutoff = hours{17} + minutes{15}; // interbank closes at 17:15
constexpr minutes k_reopen = hours{20} + minutes{30}; // …and reopens at 20:30 before a working day

unsigned key(Date d) { return static_cast<unsigned>(d.month()) * 100 + static_cast<unsigned>(d.day()); }

Error calendar_error(std::string_view origin, std::string rule) {
  return Error::invalid("calendar", "The holiday calendar file '" + std::string(origin) + "' is invalid: " + rule + ".");
}

} // namespace

Date shanghai_date(TimePoint t) noexcept { return Date{floor<days>(t + k_shanghai_offset)}; }

TimePoint shanghai_midnight(Date d) noexcept { return TimePoint{sys_days{d} - k_shanghai_offset}; }

Result<SettlementCalendar> SettlementCalendar::load(const std::vector<std::filesystem::path>& dirs) {
  SettlementCalendar cal;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      const auto digit = [](char c) { return c >= '0' && c <= '9'; }; // not ::isdigit: UB for non-ASCII
      if (name.size() == 9 && name.ends_with(".json") && std::all_of(name.begin(), name.begin() + 4, digit))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      RECHARGED_TRY(const std::string text, read_file(file));
      RECHARGED_CHECK(cal.add_year_json(text, file.string()));
    }
  }
  return cal;
}

Status SettlementCalendar::add_year_json(std::string_view text, std::string_view origin) {
  const auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return calendar_error(origin, "it is not a JSON object");
  const auto year_it = doc.find("year");
  const auto days_it = doc.find("days");
  if (year_it == doc.end() || !year_it->is_number_integer()) return calendar_error(origin, "'year' must be an integer");
  if (days_it == doc.end() || !days_it->is_array()) return calendar_error(origin, "'days' must be an array");
  const int y = year_it->get<int>();
  if (y < 2000 || y > 2200) return calendar_error(origin, "'year' is out of range");
  std::map<unsigned, DayInfo> listed;
  std::map<int, std::map<unsigned, DayInfo>> spill; // late-December files may list early-January days
  for (const auto& day : *days_it) {
    if (!day.is_object() || !day.contains("date") || !day["date"].is_string() || !day.contains("isOffDay") ||
        !day["isOffDay"].is_boolean())
      return calendar_error(origin, "each entry of 'days' needs a 'date' string and an 'isOffDay' boolean");
    const std::string date = day["date"].get<std::string>();
    auto parsed = parse_rfc3339(date + "T00:00:00Z");
    if (date.size() != 10 || !parsed) return calendar_error(origin, "the date '" + date.substr(0, 20) + "' is not YYYY-MM-DD");
    const Date d{floor<days>(*parsed)};
    DayInfo info{day["isOffDay"].get<bool>(), day.value("name", std::string())};
    if (static_cast<int>(d.year()) == y) listed[key(d)] = std::move(info);
    else spill[static_cast<int>(d.year())][key(d)] = std::move(info);
  }
  years_[y] = std::move(listed);
  covered_.insert(y);
  for (auto& [other, entries] : spill) {
    auto& target = years_[other];
    for (auto& [k, info] : entries) target.emplace(k, std::move(info)); // the year's own file wins
  }
  return {};
}

bool SettlementCalendar::is_working_day(Date d) const noexcept {
  if (const auto y = years_.find(static_cast<int>(d.year())); y != years_.end()) {
    if (const auto it = y->second.find(key(d)); it != y->second.end()) return !it->second.off;
  }
  const weekday wd{sys_days{d}};
  return wd != Saturday && wd != Sunday;
}

bool SettlementCalendar::covers(Date d) const noexcept { return covered_.contains(static_cast<int>(d.year())); }

std::optional<Date> SettlementCalendar::first_uncovered(TimePoint from, int count) const {
  const sys_days start{shanghai_date(from)};
  for (int i = 0; i < count; ++i) {
    const Date d{start + days{i}};
    if (!covers(d)) return d;
  }
  return std::nullopt;
}

std::vector<int> SettlementCalendar::years() const {
  return std::vector<int>(covered_.begin(), covered_.end());
}

bool SettlementCalendar::interbank_open(TimePoint t) const noexcept {
  const Date d = shanghai_date(t);
  if (!is_working_day(d)) return false;
  const auto since_midnight = duration_cast<minutes>(t - shanghai_midnight(d));
  if (since_midnight < k_cutoff) return true;
  const bool next_working = is_working_day(Date{sys_days{d} + days{1}});
  return next_working && since_midnight >= k_reopen;
}

TimePoint SettlementCalendar::next_interbank_open(TimePoint t) const noexcept {
  // Candidate opening instants are midnights and 20:30s; walk forward day by day (bounded: a year).
  if (interbank_open(t)) return t;
  Date d = shanghai_date(t);
  for (int i = 0; i < 366; ++i, d = Date{sys_days{d} + days{1}}) {
    const TimePoint midnight = shanghai_midnight(d);
    for (const TimePoint candidate : {midnight, midnight + k_reopen}) {
      if (candidate >= t && interbank_open(candidate)) return candidate;
    }
  }
  return t;
}

TimePoint SettlementCalendar::next_interbank_close(TimePoint t) const noexcept {
  if (!interbank_open(t)) return t;
  Date d = shanghai_date(t);
  for (int i = 0; i < 366; ++i, d = Date{sys_days{d} + days{1}}) {
    const TimePoint midnight = shanghai_midnight(d);
    for (const TimePoint candidate : {midnight, midnight + k_cutoff}) {
      if (candidate > t && !interbank_open(candidate)) return candidate;
    }
  }
  return t;
}

} // namespace recharged::schedule
