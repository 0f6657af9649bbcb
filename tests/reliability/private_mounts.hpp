#pragma once

// Filesystem faults for the storage tests, without touching the machine: the calling thread (doctest's main
// thread) and every child it starts afterwards move into a private mount namespace, where a test may mount a
// small tmpfs — a disk that really fills up (ENOSPC → SQLITE_FULL) — and remount it read-only. The mounts vanish
// with the test process. Needs CAP_SYS_ADMIN (root in CI); without it, enter() says why and tests skip loudly.

#include <cstddef>
#include <filesystem>
#include <string>

namespace recharged::test {

class PrivateMounts {
public:
  // Enters a private mount namespace (once per process, later calls are no-ops). Returns "" on success, else
  // why it is not possible here.
  [[nodiscard]] static std::string enter();

  // A tmpfs of `bytes` at `dir` (created if missing) for as long as this object lives.
  PrivateMounts(std::filesystem::path dir, std::size_t bytes);
  ~PrivateMounts();
  PrivateMounts(const PrivateMounts&) = delete;
  PrivateMounts& operator=(const PrivateMounts&) = delete;

  // Remounts the tmpfs read-only or read-write (fails, throwing, while a process holds a file open for writing).
  void set_read_only(bool read_only);
  // Bytes still free on it.
  [[nodiscard]] std::size_t free_bytes() const;
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

private:
  std::filesystem::path dir_;
  std::size_t bytes_;
};

// Writes zeros to `path` until the filesystem holding it refuses (ENOSPC); returns the bytes written.
std::size_t fill_until_full(const std::filesystem::path& path);

} // namespace recharged::test
