#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "http/message.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
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
  std::string remote_addr; // "unix" on a unix socket
  int remote_port = 0; // with remote_addr, identifies the TCP connection (keep-alive reuse shows as one port)

  [[nodiscard]] std::optional<std::string_view> query_param(std::string_view name) const;
};

// A handler returning this status gets no answer: the server starts a response and closes the connection
// before it is complete, so the client sees a reset (fault injection in the sandbox and test servers).
inline constexpr int k_drop_connection = -1;

// What a hostile or broken client can take from a server, and no more.
struct ServerOptions {
  // Bodies past this get 413 the moment they pass it, chunked or not, and the rest is never read.
  std::size_t max_body_bytes = 64 * 1024;
  // From a connection's accept, or from its previous answer, to a complete request (line, headers and body);
  // later, the connection is closed. Trickling a byte now and then does not extend it.
  Millis request_timeout{10'000};
  // A connection without traffic for this long is closed, idle keep-alive ones included. Whole seconds; keep it
  // below request_timeout, which also runs while a kept-alive connection is idle.
  std::chrono::seconds idle_timeout{5};
  // Open connections; at the cap, new ones wait in the listen queue until one closes.
  std::size_t max_connections = 256;
  // Open connections from one client address; more are refused at once. 0 = no cap. Never for unix sockets.
  std::size_t max_connections_per_ip = 64;
  // Per connection, for the request line, the headers and the read buffer: this bounds the header size.
  std::size_t connection_memory_bytes = 32 * 1024;
  std::size_t max_header_count = 100; // more header fields get 400
  // Threads running handlers; an open connection holds one only while its request is handled.
  std::size_t workers = 4;
  // How the server's own refusals (400, 404, 405, 413, and 500 for a handler that threw) are written: a
  // Content-Type and a body for the status and a short fixed message. Null: {"code":"FAIL","message":…} as
  // application/json. Called from the server's threads; must be thread-safe.
  std::function<std::pair<std::string, std::string>(int status, std::string_view message)> refusal;
};

// Totals since start() and the state now.
struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  // by the per-client cap
  std::uint64_t requests_timed_out = 0;   // connections closed at request_timeout
  std::uint64_t bodies_too_large = 0;     // 413s
  std::size_t connections_open = 0;
  std::size_t max_connections = 0;        // the cap (ServerOptions)
  std::size_t queued = 0;                 // complete requests waiting for a worker
  std::size_t workers_busy = 0;
  double oldest_wait_seconds = 0;         // how long the oldest of those has waited
};

// Something a client was denied. Reported at most once per kind per second with the number of occurrences
// since the previous report, so an attack cannot flood a log.
enum class NoticeKind { refused, full, timed_out, body_too_large };
[[nodiscard]] std::string_view to_string(NoticeKind kind) noexcept;
struct ServerNotice {
  NoticeKind kind = NoticeKind::refused;
  std::string client;     // the latest offender's address ("" for `full`)
  std::uint64_t count = 0; // occurrences since the previous notice of this kind
};
using NoticeSink = std::function<void(const ServerNotice&)>;

// An HTTP/1.1 server (libmicrohttpd): one event thread does all network I/O; complete requests are handed to a
// pool of `workers` threads, the connection suspended meanwhile, so slow or idle clients hold no worker and a
// slow handler stalls no other connection. Routes match the whole path with a std::regex. Handlers run on the
// pool and must be thread-safe; they may block. A handler that throws yields 500
// {"code":"FAIL","message":"internal error"}. Requests that are malformed (bad chunking, a body on GET, too
// many header fields) get 400 without reaching a handler.
class Server {
public:
  using Handler = std::function<Response(const ServerRequest&)>;

  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before start().
  void route(Method method, const std::string& pattern, Handler handler);
  // Before start(); called from the server's threads, must be thread-safe and quick.
  void on_notice(NoticeSink sink);
  // Listens on host:port (port 0 picks a free port) or on "unix:/path" (returns 0) and serves on background
  // threads; returns the bound port only once the server runs. Errors name the address; their code is
  // "address_in_use" when another socket holds it.
  [[nodiscard]] Result<int> start(const std::string& host, int port);
  // Stops accepting, lets handlers in flight finish and their answers go out, closes every connection. Idempotent.
  void stop();
  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] ServerStats stats() const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

} // namespace recharged::http
