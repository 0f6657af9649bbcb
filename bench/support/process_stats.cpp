#include "bench/support/process_stats.hpp"

#include "core/file.hpp"

#include <unistd.h>

#include <charconv>
#include <sstream>
#include <string>
#include <vector>

namespace recharged::bench {
namespace {

Result<std::string> proc_file(pid_t pid, const char* name) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  auto text = read_file(path);
  if (!text) return Error::make(ErrorKind::not_found, "proc", "Could not read " + path + ": the process is gone.");
  return std::move(*text);
}

std::int64_t status_kib(const std::string& status, std::string_view key) {
  const auto at = status.find(key);
  if (at == std::string::npos) return 0;
  std::int64_t value = 0;
  const char* p = status.data() + at + key.size();
  while (*p == ' ' || *p == '\t' || *p == ':') ++p;
  std::from_chars(p, status.data() + status.size(), value);
  return value;
}

} // namespace

Result<CpuTimes> cpu_times(pid_t pid) {
  RECHARGED_TRY(const std::string stat, proc_file(pid, "stat"));
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return Error::make(ErrorKind::internal, "proc", "Unreadable /proc stat line.");
  std::istringstream rest(stat.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  // Fields 14 (utime) and 15 (stime) of stat(5) are the 12th and 13th after the name.
  if (fields.size() < 13) return Error::make(ErrorKind::internal, "proc", "Short /proc stat line.");
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return CpuTimes{std::stod(fields[11]) / tick, std::stod(fields[12]) / tick};
}

Result<Memory> memory(pid_t pid) {
  RECHARGED_TRY(const std::string status, proc_file(pid, "status"));
  return Memory{status_kib(status, "VmRSS"), status_kib(status, "VmHWM")};
}

} // namespace recharged::bench
