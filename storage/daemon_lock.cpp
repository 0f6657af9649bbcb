#include "storage/daemon_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace recharged::storage {
namespace {

Error open_error(const std::filesystem::path& database, int err) {
  return Error::make(ErrorKind::storage, err == ENOENT ? "missing" : "cantopen",
                     "Cannot open the database '" + database.string() + "' to take the daemon lock: " +
                         std::strerror(err) + ".");
}

// The command line of `pid`, its NULs as spaces ("" when it cannot be read, e.g. another PID namespace).
std::string command_line(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text)
    if (c == '\0') c = ' ';
  return text;
}

// The process holding a FLOCK on the file open as `fd`, from /proc/locks ("1: FLOCK ADVISORY WRITE <pid>
// <major hex>:<minor hex>:<inode> 0 EOF"); "another process" when it is not listed there.
std::string describe_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "another process";
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream in(line);
    std::string number, type, advisory, access, device;
    long pid = 0;
    if (!(in >> number >> type >> advisory >> access >> pid >> device) || type != "FLOCK") continue;
    unsigned major = 0, minor = 0;
    unsigned long long inode = 0;
    if (std::sscanf(device.c_str(), "%x:%x:%llu", &major, &minor, &inode) != 3) continue;
    if (inode != st.st_ino || major != ::major(st.st_dev) || minor != ::minor(st.st_dev)) continue;
    const std::string command = command_line(pid);
    return "pid " + std::to_string(pid) + (command.empty() ? "" : ": " + command);
  }
  return "another process";
}

} // namespace

Result<std::unique_ptr<DaemonLock>> DaemonLock::acquire(const std::filesystem::path& database) {
  const int fd = ::open(database.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return open_error(database, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return std::unique_ptr<DaemonLock>(new DaemonLock(fd));
  const int err = errno;
  std::string who = err == EWOULDBLOCK ? describe_holder(fd) : std::string{};
  ::close(fd);
  if (err != EWOULDBLOCK)
    return Error::make(ErrorKind::storage, "lock", "Cannot lock the database '" + database.string() +
                                                       "' for this daemon: " + std::strerror(err) + ".");
  return Error::make(ErrorKind::conflict, "daemon_running",
                     "Another recharged daemon already runs on the database '" + database.string() + "' (" + who +
                         "). Two daemons on one database would query every order twice and double the load on "
                         "WeChat Pay: stop the other one first (systemctl stop recharged), or give this one its own "
                         "[database] path.");
}

Result<std::optional<std::string>> DaemonLock::holder(const std::filesystem::path& database) {
  const int fd = ::open(database.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return open_error(database, errno);
  std::optional<std::string> who;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) who = describe_holder(fd);
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return who;
}

DaemonLock::~DaemonLock() { ::close(fd_); }

} // namespace recharged::storage
