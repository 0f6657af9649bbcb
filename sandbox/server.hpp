#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "http/server.hpp"
#include "sandbox/endpoints.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/identity.hpp"
#include "sandbox/platform.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace recharged::sandbox {

class Notifier;

// What the HTTP front has answered: calls by endpoint ("apply", "query", "close") and HTTP status (0 = the
// connection was dropped), calls by host ("primary", "backup"), and faults injected by kind.
struct CallStats {
  std::map<std::string, std::map<int, std::uint64_t>> calls;
  std::map<std::string, std::uint64_t> hosts;
  std::map<std::string, std::uint64_t> faults;
  // Calls that arrived while another call naming the same order was still being answered: a client (or several
  // clients sharing a database) visiting one order twice at once.
  std::uint64_t overlapping = 0;
};

// One call the HTTP front received for an order, as the platform's own log would show it: when, which
// endpoint, the HTTP status sent (0 = the connection was dropped, nothing reached the client), the Request-ID
// of the answer ('' when dropped), the fault injected ("none", "reset", …) and the host that took it
// ("primary" or "backup"). Calls that named no order (a body that did not parse) are not listed.
struct CallRecord {
  TimePoint at{};
  std::string endpoint;
  int status = 0;
  std::string request_id;
  std::string fault;
  std::string host;
};

// The simulated platform's HTTP front on loopback: the three recharge endpoints exactly as the pages describe
// them (every request authenticated by check_request(), every answer — errors too — signed with the platform
// key under PUB_KEY_ID_… or, with sign_with=certificate, the platform certificate's serial, and carrying a
// Request-ID and a Date), faults and answer shapes applied per request, and the unsigned JSON control endpoints
// under /sandbox/ (see control.hpp). Per request, in order: the frequency limit (429); the 500/429 faults;
// check_request() on the platform's clock (shifted by clock_offset); the forced `error`; then the endpoint: the
// body or path read as the pages require (PARAM_ERROR), a sub-merchant configured for NO_AUTH (403), and the
// platform's answer; last, the strip_headers fault removes headers from the answer. Optionally the same
// endpoints on a second address, the backup host. Thread-safe; everything passed in must outlive it.
class Server {
public:
  Server(Platform& platform, FaultInjector& faults, PlatformIdentity platform_identity, MerchantIdentity merchant,
         const Notifier* notifier, LogSink log = {}, std::size_t threads = 8);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (0 = any free port) and serves in the background; returns the bound port.
  [[nodiscard]] Result<int> start(const std::string& host, int port);
  // Ends held requests (timeout faults) at once, then stops the listeners. Idempotent.
  void stop();
  [[nodiscard]] int port() const noexcept { return http_.port(); }
  // Serves the three endpoints on host:port too (0 = any free port): the backup host (api2.mch.weixin.qq.com),
  // the same platform with the same faults and logs, no control API. Returns the bound port.
  [[nodiscard]] Result<int> start_backup(const std::string& host, int port);
  // Closes the backup host's listener, so that connections to it are refused, or opens it again on the same
  // port. Requests it holds (timeout faults) delay the close. Nothing to do without start_backup().
  [[nodiscard]] Status set_backup_down(bool down);
  // The backup host's port (0 when none was started).
  [[nodiscard]] int backup_port() const;
  [[nodiscard]] CallStats stats() const;
  // Every call that named `out_recharge_no` (in the path, or in an apply body), oldest first.
  [[nodiscard]] std::vector<CallRecord> calls(std::string_view out_recharge_no) const;

private:
  using Body = std::function<http::Response()>;
  void add_api_routes(http::Server& server, const std::string& host);
  http::Response serve(Endpoint endpoint, const std::string& host, const http::ServerRequest& request,
                       std::string out_recharge_no, const Body& body);
  http::Response apply(const http::ServerRequest& request);
  http::Response order_call(const http::ServerRequest& request, Endpoint endpoint);
  void finish(Endpoint endpoint, const std::string& host, const std::string& out_recharge_no,
              const FaultConfig& wire, http::Response& response, FaultKind fault);
  Status open_backup_locked();

  Platform& platform_;
  FaultInjector& faults_;
  PlatformIdentity identity_;
  MerchantIdentity merchant_;
  LogSink log_;
  StopSignal stop_;
  mutable std::mutex mu_;
  CallStats stats_;
  std::unordered_map<std::string, std::vector<CallRecord>> calls_;
  std::unordered_map<std::string, int> answering_; // calls being answered, per order; guarded by mu_
  std::size_t threads_;
  http::Server http_;
  mutable std::mutex backup_mu_; // guards the backup listener's life; never held while serving
  std::unique_ptr<http::Server> backup_;
  std::string backup_host_;
  int backup_port_ = 0;
};

// A JSON answer with the platform's error body.
[[nodiscard]] http::Response error_response(const PlatformError& error);

} // namespace recharged::sandbox
