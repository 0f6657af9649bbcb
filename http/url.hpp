#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace recharged::http {

struct BaseUrl {
  std::string scheme; // "https" or "http"
  std::string host;
  int port = 0;       // 0 = the scheme's default
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] bool is_loopback() const;
};

// Parses "https://api.mch.weixin.qq.com" or "http://127.0.0.1:8443" (no path, query or user info).
// Plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost): certificate verification
// is always on for anything else. `field` names the config key in errors.
[[nodiscard]] Result<BaseUrl> parse_base_url(std::string_view text, std::string_view field);

// Splits "host:port" for listeners ("127.0.0.1:8480", "[::1]:8480"); "unix:/absolute/path" is a unix socket
// (host = the whole text, port 0), as http::Server::start takes it.
struct ListenAddress {
  std::string host;
  int port = 0;
};
[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view text, std::string_view field);

} // namespace recharged::http
