#pragma once

// A loopback port the test holds for its whole life, forwarding each TCP connection to a port learnt later.
// It breaks the chicken-and-egg of two processes that must know each other's address: the sandbox is told
// where to deliver notifications before the daemon exists, and the daemon binds port 0 and says which port it
// got in its `listening` log line. Nothing is ever bound, released and hoped to be free again.

#include <functional>
#include <memory>
#include <string>

namespace recharged::test {

class PortRelay {
public:
  // Binds 127.0.0.1:0 at once (throws std::runtime_error when it cannot). `target` is asked for the port on
  // each new connection; when it says 0, or that port refuses, the connection is closed at once, which the
  // peer sees as it would see a daemon that is down.
  explicit PortRelay(std::function<int()> target);
  ~PortRelay();
  PortRelay(const PortRelay&) = delete;
  PortRelay& operator=(const PortRelay&) = delete;

  [[nodiscard]] int port() const noexcept;
  // "http://127.0.0.1:PORT".
  [[nodiscard]] std::string url() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The port of the last "<key>=127.0.0.1:PORT" on an `event=listening` line of `log` (the daemon log, kept across
// restarts: the last line is the running daemon's), or 0 when there is none.
[[nodiscard]] int last_listening_port(const std::string& log, const std::string& key);

} // namespace recharged::test
