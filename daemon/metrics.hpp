#pragma once

#include "core/time.hpp"
#include "wxpay/api_client.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace recharged::daemon {

// A gauge sample computed at scrape time: name, help, label pairs, value.
struct Gauge {
  std::string name;
  std::string type = "gauge"; // or "counter" for totals kept elsewhere
  std::string help;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// The daemon's counters and latency histograms, rendered in the Prometheus text format (0.0.4) together
// with gauges the caller computes at scrape time (orders by state, backlog, …). README lists every metric.
// Thread-safe.
class Metrics final : public wxpay::CallObserver {
public:
  void on_call(const wxpay::CallRecord& record) override;
  void on_notification(const std::string& event_type, const std::string& outcome);
  // The steady time of the last API call that succeeded, if any.
  [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> last_api_success() const;

  [[nodiscard]] std::string render(const std::vector<Gauge>& gauges) const;

  static constexpr std::array<double, 10> k_latency_buckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

private:
  struct Histogram {
    std::array<std::uint64_t, k_latency_buckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> calls_;          // (endpoint, outcome)
  std::map<std::string, Histogram> latency_;                                    // endpoint
  std::map<std::pair<std::string, std::string>, std::uint64_t> notifications_;  // (event_type, outcome)
  std::optional<std::chrono::steady_clock::time_point> last_ok_;
};

} // namespace recharged::daemon
