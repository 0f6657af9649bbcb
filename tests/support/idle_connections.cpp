#include "tests/support/idle_connections.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace recharged::test {

IdleConnections::IdleConnections(int port, int count, const std::string& target) {
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("idle connections: socket() failed");
    fds_.push_back(fd); // closed by the destructor, or below on failure
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char answer[512];
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()) &&
                    ::recv(fd, answer, sizeof answer, 0) > 0; // a worker served it and now waits for more
    if (!ok) {
      for (const int f : fds_) ::close(f);
      fds_.clear();
      throw std::runtime_error("idle connections: connection " + std::to_string(i + 1) + " to port " +
                               std::to_string(port) + " got no answer");
    }
  }
}

IdleConnections::~IdleConnections() {
  for (const int fd : fds_) ::close(fd);
}

} // namespace recharged::test
