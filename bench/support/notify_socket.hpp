#pragma once

#include "core/result.hpp"
#include "core/time.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace recharged::bench {

// Our own end of the sd_notify protocol: a unix datagram socket bound to a path, given to a child as
// $NOTIFY_SOCKET, receiving its READY=1 / STATUS= / STOPPING=1 datagrams.
class NotifySocket {
public:
  [[nodiscard]] static Result<NotifySocket> bind(const std::filesystem::path& path);
  NotifySocket(NotifySocket&& other) noexcept;
  NotifySocket& operator=(NotifySocket&&) = delete;
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // The next datagram, or nullopt when none arrived within `timeout`.
  [[nodiscard]] std::optional<std::string> receive(Millis timeout);

private:
  NotifySocket(int fd, std::filesystem::path path) noexcept : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

} // namespace recharged::bench
