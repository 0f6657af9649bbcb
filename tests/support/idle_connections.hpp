#pragma once

// Keep-alive connections to a loopback HTTP server, each used for one request and then left idle, as a reverse
// proxy's upstream pool or a daemon's connection pool leaves them: the server keeps a worker on each until its
// idle timeout. For tests that a request from someone else is still served at once.

#include <string>
#include <vector>

namespace recharged::test {

class IdleConnections {
public:
  // Opens `count` connections to 127.0.0.1:`port` and sends "GET `target`" on each, returning once every one
  // has had (the start of) an answer. Throws std::runtime_error when a connection or an exchange fails.
  IdleConnections(int port, int count, const std::string& target);
  ~IdleConnections(); // closes them
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return fds_.size(); }

private:
  std::vector<int> fds_;
};

} // namespace recharged::test
