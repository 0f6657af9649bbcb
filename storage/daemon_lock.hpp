#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace recharged::storage {

// One daemon per database. `recharged run` holds an exclusive flock(2) on the database file itself for its whole
// life, so another path to the same file (moved, renamed, linked, written differently) still meets the lock, and
// the kernel releases it when the process dies, however it dies. The CLI's one-shot commands never take it.
// Acquire it before SQLite opens the file and release it after SQLite has closed it: closing any descriptor of
// the file drops the process's POSIX record locks, which SQLite's own locking relies on.
class DaemonLock {
public:
  // Fails with ErrorKind::conflict (code "daemon_running") naming the holder when another process has it,
  // and with ErrorKind::storage when the file cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<DaemonLock>> acquire(const std::filesystem::path& database);
  // Who holds the lock now ("pid 1234: recharged -c /etc/recharged/recharged.toml run"), or nullopt when nobody
  // does. Takes and drops the lock itself when it is free, so call it before opening the file with SQLite.
  [[nodiscard]] static Result<std::optional<std::string>> holder(const std::filesystem::path& database);

  ~DaemonLock();
  DaemonLock(const DaemonLock&) = delete;
  DaemonLock& operator=(const DaemonLock&) = delete;

private:
  explicit DaemonLock(int fd) noexcept : fd_(fd) {}
  int fd_;
};

} // namespace recharged::storage
