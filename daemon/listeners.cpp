#include "daemon/listeners.hpp"

#include <nlohmann/json.hpp>

#include <regex>

namespace recharged::daemon {
namespace {

// Workers run handlers only: verify, decrypt and record a notification, which may wait for the SQLite write
// lock. Connections, idle or slow, hold none, so this bounds concurrent recording, not concurrent clients.
constexpr std::size_t k_notify_workers = 16;
constexpr std::size_t k_ops_workers = 2;

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

} // namespace

http::Response health_response(const HealthReport& h) {
  const bool healthy = h.database_ok && h.loop_age_seconds < 30;
  nlohmann::json body{{"status", healthy ? "ok" : "failing"},
                      {"database", h.database_ok ? "ok" : h.database_error},
                      {"loop_age_seconds", h.loop_age_seconds},
                      {"open_orders", h.open_orders}};
  body["last_api_success_seconds"] =
      h.last_api_success_seconds ? nlohmann::json(*h.last_api_success_seconds) : nlohmann::json(nullptr);
  return json_response(healthy ? 200 : 503, body);
}

Result<std::unique_ptr<Listeners>> Listeners::start(const config::NotifyConfig& notify,
                                                    const config::MetricsConfig& metrics, Sources sources) {
  auto l = std::make_unique<Listeners>();
  l->sources_ = std::move(sources);
  Listeners* self = l.get();
  if (notify.enabled && self->sources_.handler != nullptr) {
    http::ServerOptions options;
    options.max_body_bytes = notify.max_body_bytes;
    options.workers = k_notify_workers;
    l->notify_ = std::make_unique<http::Server>(options);
    l->notify_->route(http::Method::post, regex_escape(notify.path), [self](const http::ServerRequest& req) {
      const notify::Reply reply = self->sources_.handler->handle(req.headers, req.body);
      if (self->sources_.metrics != nullptr) self->sources_.metrics->on_notification(reply.event_type, reply.outcome);
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
    http::ServerOptions options;
    options.workers = k_ops_workers;
    l->ops_ = std::make_unique<http::Server>(options);
    l->ops_->route(http::Method::get, "/metrics", [self](const http::ServerRequest&) {
      http::Response r;
      r.status = 200;
      r.headers.set("Content-Type", "text/plain; version=0.0.4");
      r.body = self->sources_.metrics->render(self->sources_.gauges ? self->sources_.gauges() : std::vector<Gauge>{});
      return r;
    });
    l->ops_->route(http::Method::get, "/healthz", [self](const http::ServerRequest&) {
      return health_response(self->sources_.health ? self->sources_.health() : HealthReport{});
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

} // namespace recharged::daemon
