#include "tests/support/notify_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace recharged::test {

std::vector<std::string> notify_lines(std::string_view message) {
  std::vector<std::string> out;
  while (!message.empty()) {
    const auto nl = message.find('\n');
    out.emplace_back(message.substr(0, nl));
    if (nl == std::string_view::npos) break;
    message.remove_prefix(nl + 1);
  }
  return out;
}

NotifySocket::NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path_.string();
  if (p.size() >= sizeof addr.sun_path) throw std::runtime_error("notify socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket(AF_UNIX) failed: ") + std::strerror(errno));
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error("cannot bind the notify socket " + p + ": " + why);
  }
}

NotifySocket::~NotifySocket() {
  ::close(fd_);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void NotifySocket::drain() {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return; // EAGAIN: nothing more waiting
    received_.emplace_back(buf, static_cast<std::size_t>(n));
  }
}

std::vector<std::string> NotifySocket::messages() {
  std::lock_guard lock(mu_);
  drain();
  return received_;
}

std::string NotifySocket::wait_for_prefix(std::string_view prefix, Millis timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (const auto& m : messages())
      for (const auto& line : notify_lines(m))
        if (line.starts_with(prefix)) return line;
    const auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
    if (left <= Millis{0}) return "";
    pollfd p{fd_, POLLIN, 0};
    (void)::poll(&p, 1, static_cast<int>(std::min<Millis>(left, Millis{100}).count()));
  }
}

bool NotifySocket::wait_for_line(std::string_view line, Millis timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (const auto& m : messages())
      for (const auto& l : notify_lines(m))
        if (l == line) return true;
    const auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
    if (left <= Millis{0}) return false;
    pollfd p{fd_, POLLIN, 0};
    (void)::poll(&p, 1, static_cast<int>(std::min<Millis>(left, Millis{100}).count()));
  }
}

} // namespace recharged::test
