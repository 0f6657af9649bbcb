#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <sys/types.h>

namespace recharged::bench {

// CPU time a live process has used so far, all threads, from /proc/PID/stat (clock-tick resolution).
struct CpuTimes {
  double user_seconds = 0;
  double system_seconds = 0;
  [[nodiscard]] double total() const noexcept { return user_seconds + system_seconds; }
};
[[nodiscard]] Result<CpuTimes> cpu_times(pid_t pid);

// Resident memory from /proc/PID/status: now (VmRSS) and the peak since start (VmHWM), in KiB.
struct Memory {
  std::int64_t rss_kib = 0;
  std::int64_t hwm_kib = 0;
};
[[nodiscard]] Result<Memory> memory(pid_t pid);

} // namespace recharged::bench
