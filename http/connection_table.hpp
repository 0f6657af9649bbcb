#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace recharged::http {

// The open connections of one server: their client addresses (for the per-client cap) and, for each, whether it
// owes a request — then it has a deadline — or has one being handled and answered. Closes overdue connections by
// shutting their sockets down; the event loop then sees them end and cleans up. A socket is only touched while
// its connection is listed, and the loop unlists a connection before it closes the descriptor, so a descriptor
// number reused by a newer connection is never hit. Thread-safe.
class ConnectionTable {
public:
  using Clock = std::chrono::steady_clock;

  // `client` is the peer's address ("unix" on a unix socket).
  void opened(const void* id, int fd, std::string client, Clock::time_point now);
  void closed(const void* id);
  // The request is complete: no deadline while it is handled and answered. False if the connection was already
  // shut for being overdue (or is unknown).
  [[nodiscard]] bool answering(const void* id);
  // Its answer went out: the deadline for the next request starts now.
  void waiting(const void* id, Clock::time_point now);

  [[nodiscard]] std::size_t open() const;
  [[nodiscard]] std::size_t from(const std::string& client) const;

  // Shuts down every connection owing a request since before now - timeout; returns their clients.
  std::vector<std::string> expire(Clock::time_point now, Clock::duration timeout);
  // Connections expire() has shut, counted before their clients can see it.
  [[nodiscard]] std::uint64_t expired() const;
  // The earliest deadline still ahead, given the timeout.
  [[nodiscard]] std::optional<Clock::time_point> next_deadline(Clock::duration timeout) const;

private:
  struct Entry {
    int fd = -1;
    std::string client;
    Clock::time_point since;
    bool owes_request = true;
    bool expired = false;
  };
  mutable std::mutex mu_;
  std::map<const void*, Entry> entries_;
  std::map<std::string, std::size_t> per_client_;
  std::uint64_t expired_ = 0;
};

} // namespace recharged::http
