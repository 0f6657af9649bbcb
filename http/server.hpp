#pragma once

#include "core/result.hpp"
#include "http/message.hpp"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace recharged::http {

struct ServerRequest {
  Method method = Method::get;
  std::string target;                   // raw path + query as received (what a client signed)
  std::string path;                     // decoded path
  std::vector<std::string> path_params; // regex captures of the route pattern
  std::vector<std::pair<std::string, std::string>> query; // decoded query parameters
  Headers headers;
  std::string body;
  std::string remote_addr;
  int remote_port = 0; // with remote_addr, identifies the TCP connection (keep-alive reuse shows as one port)

  [[nodiscard]] std::optional<std::string_view> query_param(std::string_view name) const;
};

// A handler returning this status gets no answer: the server starts a response and closes the connection
// before it is complete, so the client sees a reset (fault injection in the sandbox and test servers).
inline constexpr int k_drop_connection = -1;

struct ServerOptions {
  std::size_t max_body_bytes = 64 * 1024; // larger bodies get 413 before any handler runs
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
  std::size_t threads = 4;
};

// A small HTTP/1.1 server for loopback use (notification receiver, metrics, the sandbox platform, test
// servers). Routes match the whole path with a std::regex. Handlers run on a thread pool and must be
// thread-safe. A handler that throws yields 500.
class Server {
public:
  using Handler = std::function<Response(const ServerRequest&)>;

  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void route(Method method, const std::string& pattern, Handler handler);
  // Binds host:port (port 0 picks a free port) and serves on a background thread; returns the bound port.
  [[nodiscard]] Result<int> start(const std::string& host, int port);
  // Stops accepting, lets in-flight handlers finish, joins the thread. Idempotent.
  void stop();
  [[nodiscard]] int port() const noexcept { return port_; }

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

} // namespace recharged::http
