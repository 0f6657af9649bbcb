#include "tests/support/idle_connections.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace recharged::test {

using SteadyClock = std::chrono::steady_clock;

int connect_from(const std::string& source, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

IdleConnections::IdleConnections(int port, int count, const std::string& target, const std::string& source) {
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < count; ++i) {
    const int fd = connect_from(source, port);
    char answer[512];
    const bool ok = fd >= 0 &&
                    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()) &&
                    ::recv(fd, answer, sizeof answer, 0) > 0; // served; the connection now waits for more
    if (fd >= 0) fds_.push_back(fd); // closed by the destructor, or below on failure
    if (!ok) {
      for (const int f : fds_) ::close(f);
      fds_.clear();
      throw std::runtime_error("idle connections: connection " + std::to_string(i + 1) + " from " + source +
                               " to port " + std::to_string(port) + " got no answer");
    }
  }
}

IdleConnections::~IdleConnections() {
  for (const int fd : fds_) ::close(fd);
}

SlowHeaderClients::SlowHeaderClients(int port, const std::vector<std::string>& sources, int per_source, Millis interval,
                                     const std::string& target) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("slow clients: pipe2() failed");
  const std::string start = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n";
  opened_at_ = SteadyClock::now();
  for (const auto& source : sources)
    for (int i = 0; i < per_source; ++i) {
      Slow s;
      s.opened = SteadyClock::now(); // before connecting: the server's clock for it cannot start earlier
      s.fd = connect_from(source, port);
      if (s.fd < 0) throw std::runtime_error("slow clients: cannot connect from " + source);
      (void)::send(s.fd, start.data(), start.size(), MSG_NOSIGNAL); // a refused one shows as closed below
      conns_.push_back(s);
    }
  total_ = conns_.size();
  thread_ = std::thread([this, interval] { run(interval); });
}

SlowHeaderClients::~SlowHeaderClients() {
  stop_.store(true);
  (void)!::write(wake_[1], "x", 1);
  thread_.join();
  for (const auto& s : conns_)
    if (s.fd >= 0) ::close(s.fd);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::size_t SlowHeaderClients::closed_by_server() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(
      std::count_if(conns_.begin(), conns_.end(), [](const Slow& s) { return s.closed.has_value(); }));
}

std::vector<Millis> SlowHeaderClients::lifetimes() const {
  std::vector<Millis> out;
  std::lock_guard lock(mu_);
  for (const auto& s : conns_)
    if (s.closed) out.push_back(std::chrono::duration_cast<Millis>(*s.closed - s.opened));
  return out;
}

std::optional<SteadyClock::time_point> SlowHeaderClients::all_closed_at() const {
  std::optional<SteadyClock::time_point> last;
  std::lock_guard lock(mu_);
  for (const auto& s : conns_) {
    if (!s.closed) return std::nullopt;
    if (!last || *s.closed > *last) last = s.closed;
  }
  return last;
}

void SlowHeaderClients::run(Millis interval) {
  auto next_line = SteadyClock::now() + interval;
  int line = 0;
  while (!stop_.load()) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}};
    std::vector<std::size_t> which;
    {
      std::lock_guard lock(mu_);
      for (std::size_t i = 0; i < conns_.size(); ++i)
        if (!conns_[i].closed) {
          fds.push_back({conns_[i].fd, POLLIN | POLLRDHUP, 0});
          which.push_back(i);
        }
    }
    const auto wait = std::chrono::duration_cast<Millis>(next_line - SteadyClock::now()).count();
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(wait, 0)));
    const auto now = SteadyClock::now();
    std::lock_guard lock(mu_);
    for (std::size_t k = 1; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fds[k].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) conns_[which[k - 1]].closed = now; // end of stream or reset: the server closed it
    }
    if (now < next_line) continue;
    const std::string header = "X-Slow-" + std::to_string(++line) + ": x\r\n";
    for (auto& s : conns_)
      if (!s.closed && ::send(s.fd, header.data(), header.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
        s.closed = now;
    next_line = now + interval;
  }
}

Flood flood_chunked(int port, const std::string& target, std::size_t total,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
  Flood out;
  const int fd = connect_from("127.0.0.1", port);
  if (fd < 0) return out;
  std::string head = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  const std::string chunk = "10000\r\n" + std::string(64 * 1024, 'x') + "\r\n";
  const std::size_t framed = total / (64 * 1024) * chunk.size();
  while (out.sent < framed) {
    pollfd p{fd, POLLIN | POLLOUT, 0};
    if (::poll(&p, 1, 20'000) <= 0 || (p.revents & (POLLIN | POLLERR | POLLHUP)) != 0) break; // answered or gone
    const std::size_t at = out.sent % chunk.size();
    const ssize_t n = ::send(fd, chunk.data() + at, chunk.size() - at, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN) break;
    if (n > 0) out.sent += static_cast<std::size_t>(n);
  }
  if (out.sent >= framed) (void)::send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    char buf[4096];
    if (::poll(&p, 1, 20'000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.answer.append(buf, static_cast<std::size_t>(n));
    const auto end = out.answer.find("\r\n\r\n");
    const auto length = out.answer.find("Content-Length: ");
    if (end != std::string::npos && length != std::string::npos && length < end &&
        out.answer.size() >= end + 4 + std::stoul(out.answer.substr(length + 16)))
      break; // a whole answer
  }
  ::close(fd);
  return out;
}

} // namespace recharged::test
