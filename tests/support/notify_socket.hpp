#pragma once

#include "core/time.hpp"

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::test {

// A stand-in for systemd's notification socket: an AF_UNIX datagram socket bound at `path`, to hand to a
// child as $NOTIFY_SOCKET. Collects every datagram sd_notify(3) sends ("READY=1\nSTATUS=…"). Thread-safe.
class NotifySocket {
public:
  // Binds the socket (the path must not exist and must fit in sun_path); throws std::runtime_error otherwise.
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // Every datagram received so far, oldest first (drains what is waiting, never blocks).
  [[nodiscard]] std::vector<std::string> messages();
  // Waits until some datagram holds `line` as one of its lines ("READY=1"); true if it came within `timeout`.
  [[nodiscard]] bool wait_for_line(std::string_view line, Millis timeout);
  // Waits until some datagram has a line starting with `prefix` ("STATUS="); returns that line, or "".
  [[nodiscard]] std::string wait_for_prefix(std::string_view prefix, Millis timeout);

private:
  void drain();

  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mu_;
  std::vector<std::string> received_;
};

// The lines of one sd_notify datagram.
[[nodiscard]] std::vector<std::string> notify_lines(std::string_view message);

} // namespace recharged::test
