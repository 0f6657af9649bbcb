#include "http/url.hpp"

#include <charconv>

namespace recharged::http {
namespace {

// A dotted-quad IPv4 address in 127.0.0.0/8; names such as "127.example.com" are not loopback.
bool loopback_ipv4(std::string_view host) {
  int parts = 0;
  while (true) {
    const auto dot = host.find('.');
    const std::string_view part = host.substr(0, dot);
    int value = -1;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc{} || end != part.data() + part.size() || value > 255)
      return false;
    if (parts == 0 && value != 127) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || loopback_ipv4(host);
}

Result<int> parse_port(std::string_view text, std::string_view field, std::string_view whole) {
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size() || port < 0 || port > 65535)
    return Error::invalid(std::string(field), "The " + std::string(field) + " '" + std::string(whole) +
                                                  "' has an invalid port: it must be a number from 0 to 65535.");
  return port;
}

} // namespace

std::string BaseUrl::to_string() const {
  std::string out = scheme + "://" + host;
  if (port != 0) out += ":" + std::to_string(port);
  return out;
}

bool BaseUrl::is_loopback() const { return loopback_host(host); }

Result<BaseUrl> parse_base_url(std::string_view text, std::string_view field) {
  const std::string f(field);
  auto bad = [&](std::string_view rule) {
    return Error::invalid(f, "The " + f + " '" + std::string(text.substr(0, 200)) + "' is invalid: " +
                                 std::string(rule) + ".");
  };
  BaseUrl url;
  std::string_view rest = text;
  if (rest.starts_with("https://")) { url.scheme = "https"; rest.remove_prefix(8); }
  else if (rest.starts_with("http://")) { url.scheme = "http"; rest.remove_prefix(7); }
  else return bad("it must start with https://");
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.empty()) return bad("it has no host");
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) return bad("it must be scheme://host[:port] only");
  std::string_view host = rest;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 host needs a closing ']'");
    host = rest.substr(0, close + 1);
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("unexpected text after the host");
      RECHARGED_TRY(url.port, parse_port(rest.substr(1), field, text));
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    RECHARGED_TRY(url.port, parse_port(rest.substr(colon + 1), field, text));
  }
  url.host = std::string(host);
  if (url.scheme == "http" && !url.is_loopback())
    return bad("plain http is allowed only for 127.0.0.1, ::1 or localhost; use https so the certificate is verified");
  return url;
}

Result<ListenAddress> parse_listen_address(std::string_view text, std::string_view field) {
  const std::string f(field);
  if (text.starts_with("unix:")) {
    // A unix socket: the whole text is the host the server listens on (http::Server), with no port.
    const std::string_view path = text.substr(5);
    if (!path.starts_with("/") || path.size() < 2 || path.size() > 100 ||
        path.find_first_of(std::string_view("\0\n", 2)) != std::string_view::npos)
      return Error::invalid(f, "The " + f + " '" + std::string(text.substr(0, 120)) +
                                   "' must be unix: followed by an absolute path of at most 100 characters, for "
                                   "example unix:/run/recharged/api.sock.");
    return ListenAddress{std::string(text), 0};
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return Error::invalid(f, "The " + f + " '" + std::string(text.substr(0, 100)) +
                                 "' must be host:port, for example 127.0.0.1:8480.");
  ListenAddress out;
  std::string_view host = text.substr(0, colon);
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  out.host = std::string(host);
  RECHARGED_TRY(out.port, parse_port(text.substr(colon + 1), field, text));
  return out;
}

} // namespace recharged::http
