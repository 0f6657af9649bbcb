#pragma once

#include "config/config.hpp"
#include "daemon/metrics.hpp"
#include "http/server.hpp"
#include "notify/notification_handler.hpp"

#include <functional>
#include <optional>
#include <memory>

namespace spdlog {
class logger;
}

namespace recharged::daemon {

struct HealthReport {
  bool database_ok = false;
  std::string database_error;
  double loop_age_seconds = 0;                      // since the main loop last ran
  std::optional<double> last_api_success_seconds;   // since the last successful API call
  std::int64_t open_orders = 0;
  // Each listener by name: "" while it serves newcomers promptly, else why it cannot (see starvation()).
  std::vector<std::pair<std::string, std::string>> listeners;
  // Push health (schedule/push_health.hpp): informational, never makes /healthz fail.
  std::string push_health = "unknown";
  std::string push_since;  // RFC 3339
  std::string push_reason;
  std::string push_schedule; // "full" or "safety net"
  std::optional<double> push_last_verified_seconds;
};
// 200 when the database answers, the loop ran within the last 30 s and no listener is starved; 503 otherwise.
// JSON body.
[[nodiscard]] http::Response health_response(const HealthReport& report);

// A request that waits this long for a worker means the listener is starved.
inline constexpr double k_starved_wait_seconds = 1.0;
// Why a listener in this state would keep a newcomer waiting — every connection slot taken, or requests waiting
// too long for a worker — or "" when it would not.
[[nodiscard]] std::string starvation(const http::ServerStats& stats);

// The listeners' counters as gauges for /metrics (README lists them), one series per listener.
[[nodiscard]] std::vector<Gauge> listener_gauges(const std::vector<std::pair<std::string, http::ServerStats>>& stats);

// The daemon's two HTTP listeners: the notification receiver (POST notify.path, loopback by default, behind
// the operator's TLS proxy) and the operations endpoint (GET /metrics, GET /healthz, loopback by default).
// Clients they refuse or time out are logged (listener_* events), at most one line per kind per second each.
class Listeners {
public:
  struct Sources {
    notify::NotificationHandler* handler = nullptr; // null when notify.enabled = false
    Metrics* metrics = nullptr;
    std::function<std::vector<Gauge>()> gauges;
    std::function<HealthReport()> health;
    std::shared_ptr<spdlog::logger> log; // for the listener_* events; none when null
    std::function<void(const notify::Reply&)> judged; // every notification as answered (push health)
  };
  [[nodiscard]] static Result<std::unique_ptr<Listeners>> start(const config::NotifyConfig& notify,
                                                                const config::MetricsConfig& metrics, Sources sources);
  void stop();
  [[nodiscard]] int notify_port() const noexcept { return notify_ ? notify_->port() : 0; }
  [[nodiscard]] int metrics_port() const noexcept { return ops_ ? ops_->port() : 0; }
  // Each running listener's name ("notify", "ops") and counters.
  [[nodiscard]] std::vector<std::pair<std::string, http::ServerStats>> stats() const;

private:
  Sources sources_;
  std::unique_ptr<http::Server> notify_;
  std::unique_ptr<http::Server> ops_;
};

} // namespace recharged::daemon
