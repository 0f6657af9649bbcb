#include "sandbox/server.hpp"

#include "logging/event_line.hpp"
#include "sandbox/apply_rules.hpp"
#include "sandbox/control.hpp"
#include "sandbox/request_auth.hpp"
#include "sandbox/wire.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace recharged::sandbox {
namespace {

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool dropped(FaultKind f) { return f == FaultKind::reset || f == FaultKind::timeout; }

// The order an apply names, read without judging the rest of the body ('' when it names none).
std::string applied_order(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return {};
  const auto it = json.find("out_recharge_no");
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// "code" and "message" of an error answer, for the log.
std::pair<std::string, std::string> error_summary(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return {};
  auto field = [&](const char* key) {
    const auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  return {field("code"), field("message")};
}

// "Thu, 03 Dec 2026 10:15:09 GMT" (RFC 9110 IMF-fixdate), as the platform's Date header.
std::string http_date(TimePoint t) {
  static constexpr std::array<std::string_view, 7> k_days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> k_months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss clock{std::chrono::floor<std::chrono::seconds>(t - day)};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                k_days[std::chrono::weekday{day}.c_encoding()].data(), static_cast<unsigned>(ymd.day()),
                k_months[static_cast<unsigned>(ymd.month()) - 1].data(), static_cast<int>(ymd.year()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buf;
}

// The answer's headers without those named (a proxy dropping them).
http::Headers without(const http::Headers& headers, const std::vector<std::string>& names) {
  http::Headers out;
  for (const auto& field : headers.all()) {
    const bool drop =
        std::any_of(names.begin(), names.end(), [&](const std::string& n) { return http::iequals(n, field.first); });
    if (!drop) out.add(field.first, field.second);
  }
  return out;
}

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

http::Response error_response(const PlatformError& error) { return json_response(error.status, write_error(error.body)); }

Server::Server(Platform& platform, FaultInjector& faults, PlatformIdentity platform_identity, MerchantIdentity merchant,
               const Notifier* notifier, LogSink log, std::size_t threads)
    : platform_(platform), faults_(faults), identity_(std::move(platform_identity)), merchant_(std::move(merchant)),
      log_(std::move(log)), threads_(threads), http_(http_options(threads)) {
  add_api_routes(http_, "primary");
  register_control_routes(http_, platform_, faults_, notifier, [this] { return stats(); });
}

void Server::add_api_routes(http::Server& server, const std::string& host) {
  const std::string order = std::string(k_order_route_prefix) + "([^/]+)";
  server.route(http::Method::post, std::string(k_apply_route), [this, host](const http::ServerRequest& r) {
    return serve(Endpoint::apply, host, r, applied_order(r.body), [&] { return apply(r); });
  });
  server.route(http::Method::get, order, [this, host](const http::ServerRequest& r) {
    return serve(Endpoint::query, host, r, r.path_params.at(0), [&] { return order_call(r, Endpoint::query); });
  });
  server.route(http::Method::post, order + "/close", [this, host](const http::ServerRequest& r) {
    return serve(Endpoint::close, host, r, r.path_params.at(0), [&] { return order_call(r, Endpoint::close); });
  });
}

Server::~Server() { stop(); }

Result<int> Server::start(const std::string& host, int port) { return http_.start(host, port); }

void Server::stop() {
  stop_.request_stop();
  http_.stop();
  std::lock_guard lock(backup_mu_);
  if (backup_) backup_->stop();
  backup_.reset();
}

Result<int> Server::start_backup(const std::string& host, int port) {
  std::lock_guard lock(backup_mu_);
  backup_host_ = host;
  backup_port_ = port;
  RECHARGED_CHECK(open_backup_locked());
  return backup_port_;
}

Status Server::open_backup_locked() {
  auto server = std::make_unique<http::Server>(http_options(threads_));
  add_api_routes(*server, "backup");
  RECHARGED_TRY(backup_port_, server->start(backup_host_, backup_port_));
  backup_ = std::move(server);
  return {};
}

Status Server::set_backup_down(bool down) {
  std::lock_guard lock(backup_mu_);
  if (backup_port_ == 0 || down == !backup_) return {};
  if (!down) return open_backup_locked();
  backup_->stop();
  backup_.reset();
  return {};
}

int Server::backup_port() const {
  std::lock_guard lock(backup_mu_);
  return backup_port_;
}

CallStats Server::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::vector<CallRecord> Server::calls(std::string_view out_recharge_no) const {
  std::lock_guard lock(mu_);
  const auto it = calls_.find(std::string(out_recharge_no));
  return it == calls_.end() ? std::vector<CallRecord>{} : it->second;
}

http::Response Server::serve(Endpoint endpoint, const std::string& host, const http::ServerRequest& request,
                             std::string out_recharge_no, const Body& body) {
  if (!out_recharge_no.empty()) {
    std::lock_guard lock(mu_);
    if (answering_[out_recharge_no]++ > 0) ++stats_.overlapping;
  }
  struct Answered {
    Server& server;
    const std::string& no;
    ~Answered() {
      if (no.empty()) return;
      std::lock_guard lock(server.mu_);
      if (--server.answering_[no] == 0) server.answering_.erase(no);
    }
  } answered{*this, out_recharge_no};
  const FaultConfig wire = faults_.config();
  FaultKind fault = FaultKind::none;
  http::Response out;
  if (faults_.over_limit(to_string(endpoint), std::chrono::steady_clock::now())) {
    out = error_response(platform_error(NamedError::frequency_limited));
  } else {
    const FaultDecision decision = faults_.decide();
    fault = decision.kind;
    if (decision.latency.count() > 0) stop_.wait_for(decision.latency);
    if (fault == FaultKind::server_error) {
      out = error_response(platform_error(NamedError::system_error));
    } else if (fault == FaultKind::rate_limited) {
      out = error_response(platform_error(NamedError::frequency_limited));
    } else if (auto refused = check_request(request, merchant_, identity_, platform_.clock().now() + wire.clock_offset,
                                            endpoint == Endpoint::close)) {
      out = error_response(*refused);
    } else if (auto forced = faults_.forced_error(to_string(endpoint))) {
      out = error_response(*forced);
    } else {
      out = body(); // reset and timeout faults strike after the platform acted
    }
  }
  if (fault == FaultKind::timeout) stop_.wait_for(wire.timeout_hold);
  finish(endpoint, host, out_recharge_no, wire, out, fault);
  return out;
}

void Server::finish(Endpoint endpoint, const std::string& host, const std::string& out_recharge_no,
                    const FaultConfig& wire, http::Response& out, FaultKind fault) {
  const int status = dropped(fault) ? 0 : out.status;
  if (dropped(fault)) {
    out = http::Response{};
    out.status = http::k_drop_connection;
  } else {
    const TimePoint platform_now = platform_.clock().now() + wire.clock_offset;
    out.headers.set("Date", http_date(platform_now));
    out.headers.set("Request-ID", new_request_id());
    out.headers.set("Content-Type", "application/json");
    sign_answer(identity_, wire.sign_with, out.body, platform_now, fault, out.headers);
    if (!wire.strip_headers.empty()) out.headers = without(out.headers, wire.strip_headers);
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.calls[std::string(to_string(endpoint))][status];
    ++stats_.hosts[host];
    if (fault != FaultKind::none) ++stats_.faults[std::string(to_string(fault))];
    if (!out_recharge_no.empty())
      calls_[out_recharge_no].push_back({platform_.clock().now(), std::string(to_string(endpoint)), status,
                                         dropped(fault) ? std::string{} : std::string(out.headers.get("Request-ID").value_or("")),
                                         std::string(to_string(fault)), host});
  }
  if (log_ && (fault != FaultKind::none || status < 200 || status >= 300)) {
    logging::EventLine line("sandbox_api_refused");
    line.kv("endpoint", to_string(endpoint)).kv("status", status).kv("fault", to_string(fault));
    if (host != "primary") line.kv("host", host);
    if (const auto [code, message] = error_summary(out.body); !code.empty()) line.kv("code", code).kv("message", message);
    log_(line.str());
  }
}

http::Response Server::apply(const http::ServerRequest& request) {
  auto read = read_apply_request(request.body);
  if (!read) return error_response(read.error());
  if (auto denied = faults_.no_auth(read->sub_mchid)) return error_response(*denied);
  auto outcome = platform_.apply(*read);
  if (!outcome) return error_response(outcome.error());
  return json_response(200, write_apply_response(*outcome, faults_.shape()));
}

http::Response Server::order_call(const http::ServerRequest& request, Endpoint endpoint) {
  const std::string& no = request.path_params.at(0);
  const auto sub_mchid = request.query_param("sub_mchid");
  if (!sub_mchid) return error_response(PlatformError::param("sub_mchid", "is required in the query string", "query"));
  if (auto denied = faults_.no_auth(*sub_mchid)) return error_response(*denied);
  auto outcome = endpoint == Endpoint::close ? platform_.close(*sub_mchid, no) : platform_.query(*sub_mchid, no);
  if (!outcome) return error_response(outcome.error());
  return json_response(200, write_order(*outcome, faults_.shape()));
}

} // namespace recharged::sandbox
