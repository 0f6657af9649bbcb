#include "http/listen_socket.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace recharged::http {
namespace {

Error listen_error(const std::string& where, const std::string& why, int err = 0) {
  // Another process holding the address is not a mistake in the config: it gets its own kind (and exit code).
  const bool in_use = err == EADDRINUSE;
  return Error::make(in_use ? ErrorKind::conflict : ErrorKind::invalid_input, in_use ? "address_in_use" : "listen",
                     "Cannot listen on " + where + ": " + why + ".");
}

std::string errno_text(int err) { return std::strerror(err); }

// Closes `fd` unless released: the error paths below leave no socket behind.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

Result<ListenSocket> finish(FdGuard& guard, const std::string& where) {
  if (::listen(guard.fd, SOMAXCONN) != 0) {
    const int err = errno;
    return listen_error(where, "listen() failed: " + errno_text(err), err);
  }
  ListenSocket out;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(guard.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    if (addr.ss_family == AF_INET) out.port = ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
    if (addr.ss_family == AF_INET6) out.port = ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  }
  out.fd = guard.release();
  return out;
}

// Is a server answering on the unix socket at `address`? ECONNREFUSED means the file is left over.
Result<bool> unix_socket_live(const sockaddr_un& address, const std::string& where) {
  FdGuard probe{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (probe.fd < 0) return listen_error(where, "socket() failed: " + errno_text(errno));
  if (::connect(probe.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return true;
  const int err = errno;
  if (err == ECONNREFUSED) return false;
  if (err == EAGAIN) return true; // its accept queue is full: alive
  return listen_error(where, "the existing socket file cannot be probed: " + errno_text(err));
}

Result<ListenSocket> open_unix(const std::filesystem::path& path, const std::string& where) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (!path.is_absolute() || path.native().size() >= sizeof address.sun_path)
    return listen_error(where, "a unix socket needs an absolute path shorter than " +
                                   std::to_string(sizeof address.sun_path) + " bytes");
  std::memcpy(address.sun_path, path.c_str(), path.native().size());
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return listen_error(where, "the path exists and is not a socket");
    RECHARGED_TRY(const bool live, unix_socket_live(address, where));
    if (live) return listen_error(where, "another server is listening on it", EADDRINUSE);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return listen_error(where, "the stale socket file cannot be removed: " + errno_text(errno));
  }
  FdGuard guard{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (guard.fd < 0) return listen_error(where, "socket() failed: " + errno_text(errno));
  if (::bind(guard.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int err = errno;
    return listen_error(where, errno_text(err), err);
  }
  // Nobody can connect before listen(), so the file's mode is right before the first client can use it.
  if (::chmod(path.c_str(), 0660) != 0 || ::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return listen_error(where, "cannot set the socket file's mode: " + errno_text(err));
  }
  auto out = finish(guard, where);
  if (!out) {
    ::unlink(path.c_str());
    return out;
  }
  out->unix_path = path;
  out->unix_inode = st.st_ino;
  return out;
}

Result<ListenSocket> open_tcp(const std::string& host, int port, const std::string& where) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return listen_error(where, std::string("the host cannot be resolved (") + ::gai_strerror(rc) + ")");
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  FdGuard guard{::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, found->ai_protocol)};
  if (guard.fd < 0) return listen_error(where, "socket() failed: " + errno_text(errno));
  const int yes = 1; // quick restarts over TIME_WAIT; SO_REUSEPORT would let another process share the port
  if (::setsockopt(guard.fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) != 0)
    return listen_error(where, "SO_REUSEADDR failed: " + errno_text(errno));
  if (::bind(guard.fd, found->ai_addr, found->ai_addrlen) != 0) {
    const int err = errno;
    return listen_error(where, err == EADDRINUSE ? "the address is in use (another process holds the port)"
                                                 : errno_text(err),
                        err);
  }
  return finish(guard, where);
}

} // namespace

std::string describe_listen_address(const std::string& host, int port) {
  if (host.starts_with(k_unix_prefix)) return host;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenSocket> open_listen_socket(const std::string& host, int port) {
  const std::string where = describe_listen_address(host, port);
  if (host.starts_with(k_unix_prefix)) return open_unix(host.substr(k_unix_prefix.size()), where);
  if (port < 0 || port > 65535) return listen_error(where, "the port must be between 0 and 65535");
  return open_tcp(host, port, where);
}

void close_listen_socket(ListenSocket& socket) {
  if (socket.fd >= 0) ::close(socket.fd);
  socket.fd = -1;
  if (!socket.unix_path.empty()) {
    struct stat st{};
    // Another server may have replaced a file we left behind (after a crash, say): never remove its socket.
    if (::lstat(socket.unix_path.c_str(), &st) == 0 && st.st_ino == socket.unix_inode) ::unlink(socket.unix_path.c_str());
    socket.unix_path.clear();
  }
}

} // namespace recharged::http
