#include "http/server.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace recharged::http {

struct Server::Impl {
  httplib::Server server;
  socket_t listener = INVALID_SOCKET; // the socket bind_to_port made: the socket options hook runs inside it
};

std::optional<std::string_view> ServerRequest::query_param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  auto& s = impl_->server;
  s.set_payload_max_length(options.max_body_bytes);
  s.set_read_timeout(options.read_timeout_seconds, 0);
  s.set_write_timeout(options.write_timeout_seconds, 0);
  s.set_keep_alive_max_count(1000);
  s.set_tcp_nodelay(true);
  // cpp-httplib's default adds SO_REUSEPORT, which lets a second process bind the same port and silently take
  // half the connections (two daemons splitting notifications). SO_REUSEADDR alone still allows quick restarts.
  s.set_socket_options([impl = impl_.get()](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl->listener = sock;
  });
  const auto threads = options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(R"({"code":"FAIL","message":"internal error"})", "application/json");
  });
}

Server::~Server() { stop(); }

void Server::route(Method method, const std::string& pattern, Handler handler) {
  auto adapter = [handler = std::move(handler), method](const httplib::Request& req, httplib::Response& res) {
    ServerRequest in;
    in.method = method;
    in.target = req.target;
    in.path = req.path;
    for (std::size_t i = 1; i < req.matches.size(); ++i) in.path_params.push_back(req.matches[i].str());
    for (const auto& [k, v] : req.params) in.query.emplace_back(k, v);
    for (const auto& [k, v] : req.headers) in.headers.add(k, v);
    in.body = req.body;
    in.remote_addr = req.remote_addr;
    in.remote_port = req.remote_port;
    Response out = handler(in);
    if (out.status == k_drop_connection) {
      // A content provider that fails makes cpp-httplib close the connection mid-answer.
      res.status = 200;
      res.set_content_provider(
          1, "application/json", [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
      return;
    }
    res.status = out.status;
    std::string content_type = "application/json";
    for (const auto& [k, v] : out.headers.all()) {
      if (iequals(k, "Content-Type")) content_type = v;
      else res.set_header(k.c_str(), v);
    }
    if (!out.body.empty() || out.status != 204) res.set_content(out.body, content_type.c_str());
  };
  if (method == Method::post) impl_->server.Post(pattern, std::move(adapter));
  else impl_->server.Get(pattern, std::move(adapter));
}

Result<int> Server::start(const std::string& host, int port) {
  auto& s = impl_->server;
  if (port == 0) {
    port_ = s.bind_to_any_port(host);
  } else {
    port_ = s.bind_to_port(host, port) ? port : -1;
  }
  if (port_ <= 0)
    return Error::make(ErrorKind::invalid_input, "listen",
                       "Cannot listen on " + host + ":" + std::to_string(port) + " (address in use or not permitted).");
  // Debian's cpp-httplib 0.11 listens with a backlog of 5, compiled into its shared library. A burst of more
  // connects than that (a proxy opening its upstream pool, WeChat Pay delivering several notifications at once)
  // would overflow the accept queue: the kernel drops the handshakes and the clients retry a second or more later.
  // On Linux, listen() on a listening socket sets a new backlog (capped by net.core.somaxconn).
  if (::listen(impl_->listener, SOMAXCONN) != 0)
    return Error::make(ErrorKind::internal, "listen",
                       "Cannot set the listen backlog on " + host + ":" + std::to_string(port_) + ": " +
                           std::strerror(errno) + ".");
  thread_ = std::thread([&s] { s.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so do not hand the server out before it does.
  for (int i = 0; i < 5000 && !s.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds{1});
  return port_;
}

void Server::stop() {
  if (impl_) impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

} // namespace recharged::http
