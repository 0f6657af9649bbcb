#pragma once

#include "config/config.hpp"
#include "daemon/metrics.hpp"
#include "http/server.hpp"
#include "notify/notification_handler.hpp"

#include <functional>
#include <memory>

namespace recharged::daemon {

struct HealthReport {
  bool database_ok = false;
  std::string database_error;
  double loop_age_seconds = 0;                      // since the main loop last ran
  std::optional<double> last_api_success_seconds;   // since the last successful API call
  std::int64_t open_orders = 0;
};
// 200 when the database answers and the loop ran within the last 30 s; 503 otherwise. JSON body.
[[nodiscard]] http::Response health_response(const HealthReport& report);

// The daemon's two HTTP listeners: the notification receiver (POST notify.path, loopback by default, behind
// the operator's TLS proxy) and the operations endpoint (GET /metrics, GET /healthz, loopback by default).
class Listeners {
public:
  struct Sources {
    notify::NotificationHandler* handler = nullptr; // null when notify.enabled = false
    Metrics* metrics = nullptr;
    std::function<std::vector<Gauge>()> gauges;
    std::function<HealthReport()> health;
  };
  [[nodiscard]] static Result<std::unique_ptr<Listeners>> start(const config::NotifyConfig& notify,
                                                                const config::MetricsConfig& metrics, Sources sources);
  void stop();
  [[nodiscard]] int notify_port() const noexcept { return notify_ ? notify_->port() : 0; }
  [[nodiscard]] int metrics_port() const noexcept { return ops_ ? ops_->port() : 0; }

private:
  Sources sources_;
  std::unique_ptr<http::Server> notify_;
  std::unique_ptr<http::Server> ops_;
};

} // namespace recharged::daemon
