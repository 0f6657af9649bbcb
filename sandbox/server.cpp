#include "sandbox/server.hpp"

#include "logging/event_line.hpp"
#include "sandbox/apply_rules.hpp"
#include "sandbox/control.hpp"
#include "sandbox/request_auth.hpp"
#include "wxpay/api_client.hpp"
#include "wxpay/codec.hpp"

namespace recharged::sandbox {
namespace {

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool dropped(FaultKind f) { return f == FaultKind::reset || f == FaultKind::timeout; }

// Every request in flight holds a worker, a held answer (timeout fault) for its whole hold. All clients of a
// simulated platform come from loopback, so no per-client cap.
http::ServerOptions http_options(std::size_t threads) {
  http::ServerOptions o;
  o.workers = threads;
  o.max_connections = 1024;
  o.max_connections_per_ip = 0;
  return o;
}

} // namespace

http::Response error_response(const PlatformError& error) { return json_response(error.status, wxpay::encode(error.body)); }

Server::Server(Platform& platform, FaultInjector& faults, PlatformIdentity platform_identity, MerchantIdentity merchant,
               const Notifier* notifier, LogSink log, std::size_t threads)
    : platform_(platform), faults_(faults), identity_(std::move(platform_identity)), merchant_(std::move(merchant)),
      log_(std::move(log)), http_(http_options(threads)) {
  const std::string order = std::string(wxpay::k_order_path) + "([^/]+)";
  http_.route(http::Method::post, std::string(wxpay::k_apply_path), [this](const http::ServerRequest& r) {
    return serve(wxpay::Endpoint::apply, r, [&] { return apply(r); });
  });
  http_.route(http::Method::get, order, [this](const http::ServerRequest& r) {
    return serve(wxpay::Endpoint::query, r, [&] { return order_call(r, wxpay::Endpoint::query); });
  });
  http_.route(http::Method::post, order + "/close", [this](const http::ServerRequest& r) {
    return serve(wxpay::Endpoint::close, r, [&] { return order_call(r, wxpay::Endpoint::close); });
  });
  register_control_routes(http_, platform_, faults_, notifier, [this] { return stats(); });
}

Server::~Server() { stop(); }

Result<int> Server::start(const std::string& host, int port) { return http_.start(host, port); }

void Server::stop() {
  stop_.request_stop();
  http_.stop();
}

CallStats Server::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

http::Response Server::serve(wxpay::Endpoint endpoint, const http::ServerRequest& request, const Body& body) {
  FaultKind fault = FaultKind::none;
  http::Response out;
  if (faults_.over_limit(wxpay::to_string(endpoint), std::chrono::steady_clock::now())) {
    out = error_response(PlatformError::make(429, "FREQUENCY_LIMITED", std::string(k_msg_frequency)));
  } else {
    const FaultDecision decision = faults_.decide();
    fault = decision.kind;
    if (decision.latency.count() > 0) stop_.wait_for(decision.latency);
    if (fault == FaultKind::server_error) {
      out = error_response(PlatformError::make(500, "SYSTEM_ERROR", std::string(k_msg_system)));
    } else if (fault == FaultKind::rate_limited) {
      out = error_response(PlatformError::make(429, "FREQUENCY_LIMITED", std::string(k_msg_frequency)));
    } else if (auto refused = check_request(request, merchant_, identity_.public_key_id, platform_.clock().now())) {
      out = error_response(*refused);
    } else {
      out = body(); // reset and timeout faults strike after the platform acted
    }
  }
  if (fault == FaultKind::timeout) stop_.wait_for(faults_.config().timeout_hold);
  finish(endpoint, out, fault);
  return out;
}

void Server::finish(wxpay::Endpoint endpoint, http::Response& out, FaultKind fault) {
  const int status = dropped(fault) ? 0 : out.status;
  if (dropped(fault)) {
    out = http::Response{};
    out.status = http::k_drop_connection;
  } else {
    out.headers.set("Request-ID", new_request_id());
    out.headers.set("Content-Type", "application/json");
    sign_answer(identity_, out.body, platform_.clock().now(), fault, out.headers);
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.calls[std::string(wxpay::to_string(endpoint))][status];
    if (fault != FaultKind::none) ++stats_.faults[std::string(to_string(fault))];
  }
  if (log_ && (fault != FaultKind::none || status < 200 || status >= 300)) {
    logging::EventLine line("sandbox_api_refused");
    line.kv("endpoint", wxpay::to_string(endpoint)).kv("status", status).kv("fault", to_string(fault));
    if (auto eb = wxpay::decode_error_body(out.body)) line.kv("code", eb->code).kv("message", eb->message);
    log_(line.str());
  }
}

http::Response Server::apply(const http::ServerRequest& request) {
  auto decoded = wxpay::decode_apply_request(request.body);
  if (!decoded) return error_response(malformed_body(decoded.error().field, decoded.error().message));
  auto outcome = platform_.apply(*decoded);
  if (!outcome) return error_response(outcome.error());
  return json_response(200, wxpay::encode(*outcome));
}

http::Response Server::order_call(const http::ServerRequest& request, wxpay::Endpoint endpoint) {
  const std::string& no = request.path_params.at(0);
  const auto sub_mchid = request.query_param("sub_mchid");
  if (!sub_mchid) return error_response(PlatformError::param("sub_mchid", "is required in the query string"));
  auto outcome = endpoint == wxpay::Endpoint::close ? platform_.close(*sub_mchid, no) : platform_.query(*sub_mchid, no);
  if (!outcome) return error_response(outcome.error());
  return json_response(200, wxpay::encode(*outcome));
}

} // namespace recharged::sandbox
