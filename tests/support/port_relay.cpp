#include "tests/support/port_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace recharged::test {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_in addr = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Copies what is readable on `from` to `to`; false once `from` is at its end (or broken).
bool pump(int from, int to) {
  std::array<char, 16384> buf;
  const ssize_t n = ::recv(from, buf.data(), buf.size(), 0);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t w = ::send(to, buf.data() + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

// Relays one connection both ways until both directions have ended (half-closes are passed on). The caller
// closes the two sockets.
void relay(int a, int b) {
  bool a_open = true;
  bool b_open = true;
  while (a_open || b_open) {
    std::array<pollfd, 2> fds{pollfd{a_open ? a : -1, POLLIN, 0}, pollfd{b_open ? b : -1, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (a_open && fds[0].revents != 0 && !pump(a, b)) {
      a_open = false;
      ::shutdown(b, SHUT_WR);
    }
    if (b_open && fds[1].revents != 0 && !pump(b, a)) {
      b_open = false;
      ::shutdown(a, SHUT_WR);
    }
  }
}

} // namespace

struct PortRelay::Impl {
  std::function<int()> target;
  int listener = -1;
  int port = 0;
  std::array<int, 2> wake{-1, -1}; // the destructor writes here to end the accept loop
  std::mutex mu;
  std::vector<int> open;           // both ends of every connection being relayed, shut down at the end
  std::vector<std::thread> connections;
  std::thread acceptor;

  void accept_loop() {
    for (;;) {
      std::array<pollfd, 2> fds{pollfd{listener, POLLIN, 0}, pollfd{wake[0], POLLIN, 0}};
      if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
      if (fds[1].revents != 0) return;
      if (fds[0].revents == 0) continue;
      const int in = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (in < 0) continue;
      const int to = target();
      const int out = to > 0 ? connect_to(to) : -1;
      if (out < 0) {
        ::close(in);
        continue;
      }
      std::lock_guard lock(mu);
      open.push_back(in);
      open.push_back(out);
      connections.emplace_back([this, in, out] {
        relay(in, out);
        std::lock_guard done(mu);
        std::erase_if(open, [&](int fd) { return fd == in || fd == out; });
        ::close(in);
        ::close(out);
      });
    }
  }
};

PortRelay::PortRelay(std::function<int()> target) : impl_(std::make_unique<Impl>()) {
  impl_->target = std::move(target);
  impl_->listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (impl_->listener < 0 || ::bind(impl_->listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(impl_->listener, 64) != 0 || ::getsockname(impl_->listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(impl_->wake.data(), O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    if (impl_->listener >= 0) ::close(impl_->listener);
    throw std::runtime_error("the relay cannot listen on 127.0.0.1: " + why);
  }
  impl_->port = ntohs(addr.sin_port);
  impl_->acceptor = std::thread([this] { impl_->accept_loop(); });
}

PortRelay::~PortRelay() {
  (void)!::write(impl_->wake[1], "x", 1);
  impl_->acceptor.join();
  {
    std::lock_guard lock(impl_->mu);
    for (const int fd : impl_->open) ::shutdown(fd, SHUT_RDWR); // ends every relay's poll
  }
  for (auto& t : impl_->connections) t.join();
  ::close(impl_->listener);
  ::close(impl_->wake[0]);
  ::close(impl_->wake[1]);
}

int PortRelay::port() const noexcept { return impl_->port; }

std::string PortRelay::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

int last_listening_port(const std::string& log, const std::string& key) {
  const std::string needle = key + "=127.0.0.1:";
  for (std::size_t line_end = log.size(); line_end > 0;) {
    const std::size_t start = log.rfind('\n', line_end - 1);
    const std::size_t begin = start == std::string::npos ? 0 : start + 1;
    const std::string_view line(log.data() + begin, line_end - begin);
    if (line.find("event=listening") != std::string_view::npos) {
      const auto at = line.find(needle);
      if (at == std::string_view::npos) return 0;
      int port = 0;
      for (std::size_t i = at + needle.size(); i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
        port = port * 10 + (line[i] - '0');
      return port;
    }
    if (start == std::string::npos) break;
    line_end = start;
  }
  return 0;
}

} // namespace recharged::test
