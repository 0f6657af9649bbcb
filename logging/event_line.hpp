#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace recharged::logging {

// One log line: "event=NAME key=value key=value". Values that are empty or contain spaces, quotes, '=' or
// control characters are double-quoted with \" \\ \n \t escapes, so `grep out_recharge_no=RC123` and
// `awk` keep working. Callers never pass secrets.
class EventLine {
public:
  explicit EventLine(std::string_view event);
  EventLine& kv(std::string_view key, std::string_view value);
  EventLine& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  EventLine& kv(std::string_view key, std::int64_t value);
  EventLine& kv(std::string_view key, int value) { return kv(key, static_cast<std::int64_t>(value)); }
  EventLine& kv(std::string_view key, double value);
  [[nodiscard]] const std::string& str() const noexcept { return line_; }

private:
  std::string line_;
};

} // namespace recharged::logging
