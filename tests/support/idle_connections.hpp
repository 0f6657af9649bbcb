#pragma once

// Clients that take from a loopback HTTP server without giving it work: keep-alive connections left idle after one
// request (a reverse proxy's upstream pool), clients that trickle a request's header lines and never finish it (a
// slow-header attack), and a body that never ends. For tests that a request from someone else is still served at
// once, and that the server closes or refuses what it must without holding on to it.

#include "core/time.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace recharged::test {

class IdleConnections {
public:
  // Opens `count` connections from `source` (any 127.x address is loopback on Linux) to 127.0.0.1:`port` and
  // sends "GET `target`" on each, returning once every one has had (the start of) an answer. Throws
  // std::runtime_error when a connection or an exchange fails.
  IdleConnections(int port, int count, const std::string& target, const std::string& source = "127.0.0.1");
  ~IdleConnections(); // closes them
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return fds_.size(); }

private:
  std::vector<int> fds_;
};

// A connection to 127.0.0.1:`port` from `source` (bound before connecting); -1 if connect() failed.
[[nodiscard]] int connect_from(const std::string& source, int port);

// `per_source` connections from each of `sources` that send "POST `target` HTTP/1.1" and then one more header
// line every `interval`, forever. A thread does the trickling and notes when the server closes each one.
class SlowHeaderClients {
public:
  SlowHeaderClients(int port, const std::vector<std::string>& sources, int per_source, Millis interval,
                    const std::string& target = "/");
  ~SlowHeaderClients(); // closes what is still open
  SlowHeaderClients(const SlowHeaderClients&) = delete;
  SlowHeaderClients& operator=(const SlowHeaderClients&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return total_; }
  [[nodiscard]] std::size_t closed_by_server() const;
  // How long each connection the server closed had lived, from just before connect() to the end of its stream.
  [[nodiscard]] std::vector<Millis> lifetimes() const;
  // When the first connection was opened, and when the server closed the last one (if all are closed).
  [[nodiscard]] std::chrono::steady_clock::time_point opened_at() const noexcept { return opened_at_; }
  [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> all_closed_at() const;

private:
  struct Slow {
    int fd = -1;
    std::chrono::steady_clock::time_point opened;
    std::optional<std::chrono::steady_clock::time_point> closed;
  };
  void run(Millis interval);

  std::size_t total_ = 0;
  std::chrono::steady_clock::time_point opened_at_;
  mutable std::mutex mu_;
  std::vector<Slow> conns_;
  std::atomic<bool> stop_{false};
  int wake_[2] = {-1, -1}; // a pipe that ends the thread's poll()
  std::thread thread_;
};

struct Flood {
  std::size_t sent = 0; // body bytes (with chunk framing) that went out before the server answered or closed
  std::string answer;   // what came back, "" if nothing
};
// POSTs a chunked body of `total` bytes in 64 KiB chunks to 127.0.0.1:`port`, as fast as the server reads it,
// until it is all sent or the server answers or closes; then reads the answer (20 s of silence end the wait).
[[nodiscard]] Flood flood_chunked(int port, const std::string& target, std::size_t total,
                                  const std::vector<std::pair<std::string, std::string>>& headers = {});

} // namespace recharged::test
