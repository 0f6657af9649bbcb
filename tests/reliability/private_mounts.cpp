#include "tests/reliability/private_mounts.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace recharged::test {
namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string options(std::size_t bytes) { return "size=" + std::to_string(bytes) + ",mode=0700"; }

} // namespace

std::string PrivateMounts::enter() {
  static const std::string result = [] {
    if (::unshare(CLONE_NEWNS) != 0) return errno_text("unshare(CLONE_NEWNS)");
    // Nothing mounted here may propagate back to the machine.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno_text("make / private");
    return std::string();
  }();
  return result;
}

PrivateMounts::PrivateMounts(std::filesystem::path dir, std::size_t bytes) : dir_(std::move(dir)), bytes_(bytes) {
  if (const std::string why = enter(); !why.empty()) throw std::runtime_error(why);
  std::filesystem::create_directories(dir_);
  if (::mount("recharged-test", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options(bytes_).c_str()) != 0)
    throw std::runtime_error(errno_text("mount tmpfs"));
}

PrivateMounts::~PrivateMounts() { ::umount2(dir_.c_str(), MNT_DETACH); }

void PrivateMounts::set_read_only(bool read_only) {
  unsigned long flags = MS_REMOUNT | MS_NOSUID | MS_NODEV;
  if (read_only) flags |= MS_RDONLY;
  if (::mount("recharged-test", dir_.c_str(), "tmpfs", flags, options(bytes_).c_str()) != 0)
    throw std::runtime_error(errno_text(read_only ? "remount read-only" : "remount read-write"));
}

std::size_t PrivateMounts::free_bytes() const {
  struct statvfs s {};
  if (::statvfs(dir_.c_str(), &s) != 0) throw std::runtime_error(errno_text("statvfs"));
  return static_cast<std::size_t>(s.f_bavail) * s.f_frsize;
}

std::size_t fill_until_full(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(errno_text("open filler"));
  const std::vector<char> zeros(64 * 1024, 0);
  std::size_t total = 0;
  for (std::size_t chunk = zeros.size(); chunk > 0;) {
    const ssize_t n = ::write(fd, zeros.data(), chunk);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    chunk /= 2; // ENOSPC: fill the last pages with smaller writes
  }
  ::close(fd);
  return total;
}

} // namespace recharged::test
