#include "daemon/listeners.hpp"

#include "logging/event_line.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include <cstdio>
#include <regex>

namespace recharged::daemon {
namespace {

// Workers run handlers only: verify, decrypt and record a notification, which may wait for the SQLite write
// lock. Connections, idle or slow, hold none, so this bounds concurrent recording, not concurrent clients.
constexpr std::size_t k_notify_workers = 16;
constexpr std::size_t k_ops_workers = 2;

http::ServerOptions notify_options(const config::NotifyConfig& n) {
  http::ServerOptions o;
  o.max_body_bytes = n.max_body_bytes;
  o.request_timeout = n.request_timeout;
  o.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(n.idle_timeout);
  o.max_connections = static_cast<std::size_t>(n.max_connections);
  o.max_connections_per_ip = static_cast<std::size_t>(n.max_connections_per_ip);
  o.workers = k_notify_workers;
  return o;
}

// /metrics and /healthz serve a few scrapers on loopback.
http::ServerOptions ops_options() {
  http::ServerOptions o;
  o.max_body_bytes = 1024;
  o.max_connections = 32;
  o.max_connections_per_ip = 16;
  o.workers = k_ops_workers;
  return o;
}

http::Response json_response(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump();
  r.headers.set("Content-Type", "application/json");
  return r;
}

std::string regex_escape(const std::string& path) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(path, special, R"(\$&)");
}

std::string_view event_of(http::NoticeKind kind) {
  switch (kind) {
  case http::NoticeKind::refused: return "listener_refused";
  case http::NoticeKind::full: return "listener_full";
  case http::NoticeKind::timed_out: return "listener_timed_out";
  case http::NoticeKind::body_too_large: return "listener_body_too_large";
  }
  return "listener_notice";
}

// One warn line per server notice (the server already limits them to one per kind per second).
http::NoticeSink notice_logger(std::string listener, std::shared_ptr<spdlog::logger> log, const http::ServerOptions& o) {
  return [listener = std::move(listener), log = std::move(log), o](const http::ServerNotice& n) {
    if (!log) return;
    logging::EventLine line(event_of(n.kind));
    line.kv("listener", listener);
    if (!n.client.empty()) line.kv("client", n.client);
    line.kv("count", static_cast<std::int64_t>(n.count));
    switch (n.kind) {
    case http::NoticeKind::refused:
      line.kv("max_connections_per_ip", static_cast<std::int64_t>(o.max_connections_per_ip));
      break;
    case http::NoticeKind::full: line.kv("max_connections", static_cast<std::int64_t>(o.max_connections)); break;
    case http::NoticeKind::timed_out:
      line.kv("request_timeout_ms", static_cast<std::int64_t>(o.request_timeout.count()));
      break;
    case http::NoticeKind::body_too_large: line.kv("max_body_bytes", static_cast<std::int64_t>(o.max_body_bytes)); break;
    }
    log->warn(line.str());
  };
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

} // namespace

std::string starvation(const http::ServerStats& s) {
  if (s.max_connections > 0 && s.connections_open >= s.max_connections)
    return "all " + std::to_string(s.max_connections) + " connections are taken; new ones wait to be accepted";
  if (s.oldest_wait_seconds >= k_starved_wait_seconds)
    return std::to_string(s.queued) + " requests wait for a worker, the oldest for " + seconds_text(s.oldest_wait_seconds) +
           " s";
  return "";
}

http::Response health_response(const HealthReport& h) {
  bool healthy = h.database_ok && h.loop_age_seconds < 30;
  nlohmann::json listeners = nlohmann::json::object();
  for (const auto& [name, why] : h.listeners) {
    listeners[name] = why.empty() ? "ok" : "starved: " + why;
    healthy = healthy && why.empty();
  }
  nlohmann::json body{{"status", healthy ? "ok" : "failing"},
                      {"database", h.database_ok ? "ok" : h.database_error},
                      {"loop_age_seconds", h.loop_age_seconds},
                      {"open_orders", h.open_orders},
                      {"listeners", listeners}};
  body["last_api_success_seconds"] =
      h.last_api_success_seconds ? nlohmann::json(*h.last_api_success_seconds) : nlohmann::json(nullptr);
  body["push"] = {{"health", h.push_health},
                  {"since", h.push_since},
                  {"reason", h.push_reason},
                  {"schedule", h.push_schedule},
                  {"last_verified_seconds", h.push_last_verified_seconds
                                                ? nlohmann::json(*h.push_last_verified_seconds)
                                                : nlohmann::json(nullptr)}};
  return json_response(healthy ? 200 : 503, body);
}

std::vector<Gauge> listener_gauges(const std::vector<std::pair<std::string, http::ServerStats>>& stats) {
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const http::ServerStats&);
  };
  static const Series series[] = {
      {"recharged_listener_connections", "gauge", "Open connections.",
       [](const http::ServerStats& s) { return static_cast<double>(s.connections_open); }},
      {"recharged_listener_max_connections", "gauge", "The connection cap; at it, new connections wait.",
       [](const http::ServerStats& s) { return static_cast<double>(s.max_connections); }},
      {"recharged_listener_connections_accepted_total", "counter", "Connections accepted.",
       [](const http::ServerStats& s) { return static_cast<double>(s.connections_accepted); }},
      {"recharged_listener_connections_refused_total", "counter", "Connections refused by the per-client cap.",
       [](const http::ServerStats& s) { return static_cast<double>(s.connections_refused); }},
      {"recharged_listener_requests_timed_out_total", "counter",
       "Connections closed because no whole request arrived within the request timeout.",
       [](const http::ServerStats& s) { return static_cast<double>(s.requests_timed_out); }},
      {"recharged_listener_bodies_too_large_total", "counter", "Requests refused with 413.",
       [](const http::ServerStats& s) { return static_cast<double>(s.bodies_too_large); }},
      {"recharged_listener_queued_requests", "gauge", "Complete requests waiting for a worker.",
       [](const http::ServerStats& s) { return static_cast<double>(s.queued); }},
      {"recharged_listener_oldest_wait_seconds", "gauge", "How long the oldest of those has waited.",
       [](const http::ServerStats& s) { return s.oldest_wait_seconds; }},
      {"recharged_listener_busy_workers", "gauge", "Workers running a handler.",
       [](const http::ServerStats& s) { return static_cast<double>(s.workers_busy); }},
      {"recharged_listener_starved", "gauge", "1 while the listener would keep a newcomer waiting (see /healthz).",
       [](const http::ServerStats& s) { return starvation(s).empty() ? 0.0 : 1.0; }},
  };
  std::vector<Gauge> out;
  for (const auto& s : series)
    for (const auto& [listener, st] : stats)
      out.push_back(Gauge{s.name, s.type, s.help, {{"listener", listener}}, s.value(st)});
  return out;
}

Result<std::unique_ptr<Listeners>> Listeners::start(const config::NotifyConfig& notify,
                                                    const config::MetricsConfig& metrics, Sources sources) {
  auto l = std::make_unique<Listeners>();
  l->sources_ = std::move(sources);
  Listeners* self = l.get();
  if (notify.enabled && self->sources_.handler != nullptr) {
    const auto options = notify_options(notify);
    l->notify_ = std::make_unique<http::Server>(options);
    l->notify_->on_notice(notice_logger("notify", self->sources_.log, options));
    l->notify_->route(http::Method::post, regex_escape(notify.path), [self](const http::ServerRequest& req) {
      const notify::Reply reply = self->sources_.handler->handle(req.headers, req.body);
      if (self->sources_.metrics != nullptr) self->sources_.metrics->on_notification(reply.event_type, std::string(orders::to_string(reply.outcome)));
      if (self->sources_.judged) self->sources_.judged(reply);
      http::Response r;
      r.status = reply.status;
      r.body = reply.body;
      if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
      return r;
    });
    auto port = l->notify_->start(notify.listen.host, notify.listen.port);
    if (!port) {
      Error e = std::move(port).error();
      e.message = "notify.listen: " + e.message;
      return e;
    }
  }
  if (metrics.enabled) {
    const auto options = ops_options();
    l->ops_ = std::make_unique<http::Server>(options);
    l->ops_->on_notice(notice_logger("ops", self->sources_.log, options));
    l->ops_->route(http::Method::get, "/metrics", [self](const http::ServerRequest&) {
      http::Response r;
      r.status = 200;
      r.headers.set("Content-Type", "text/plain; version=0.0.4");
      auto gauges = self->sources_.gauges ? self->sources_.gauges() : std::vector<Gauge>{};
      for (auto& g : listener_gauges(self->stats())) gauges.push_back(std::move(g));
      r.body = self->sources_.metrics->render(gauges);
      return r;
    });
    l->ops_->route(http::Method::get, "/healthz", [self](const http::ServerRequest&) {
      HealthReport report = self->sources_.health ? self->sources_.health() : HealthReport{};
      for (const auto& [name, st] : self->stats()) report.listeners.emplace_back(name, starvation(st));
      return health_response(report);
    });
    auto port = l->ops_->start(metrics.listen.host, metrics.listen.port);
    if (!port) {
      Error e = std::move(port).error();
      e.message = "metrics.listen: " + e.message;
      return e;
    }
  }
  return l;
}

void Listeners::stop() {
  if (notify_) notify_->stop();
  if (ops_) ops_->stop();
}

std::vector<std::pair<std::string, http::ServerStats>> Listeners::stats() const {
  std::vector<std::pair<std::string, http::ServerStats>> out;
  if (notify_) out.emplace_back("notify", notify_->stats());
  if (ops_) out.emplace_back("ops", ops_->stats());
  return out;
}

} // namespace recharged::daemon
