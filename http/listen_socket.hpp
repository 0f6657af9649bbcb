#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>

namespace recharged::http {

// A bound, listening (backlog SOMAXCONN), non-blocking socket that http::Server serves on.
struct ListenSocket {
  int fd = -1;
  int port = 0;                    // TCP: the bound port; 0 for a unix socket
  std::filesystem::path unix_path; // a unix socket's file, removed again by close_listen_socket
  unsigned long unix_inode = 0;    // … only while it is still the file this process created
};

// `host` "unix:/run/recharged/api.sock" listens on that unix socket (mode 0660; a stale socket file is replaced,
// one a live server answers on is refused); anything else is a TCP address to bind with `port` (0 = any free
// port), with SO_REUSEADDR but never SO_REUSEPORT, so a second process cannot share the port. Errors name the
// address; another socket holding it is ErrorKind::conflict with code "address_in_use", anything else
// invalid_input with code "listen".
[[nodiscard]] Result<ListenSocket> open_listen_socket(const std::string& host, int port);
void close_listen_socket(ListenSocket& socket);

// "127.0.0.1:8480", "[::1]:8480" or "unix:/path", for messages.
[[nodiscard]] std::string describe_listen_address(const std::string& host, int port);

inline constexpr std::string_view k_unix_prefix = "unix:";

} // namespace recharged::http
