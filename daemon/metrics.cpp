#include "daemon/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace recharged::daemon {
namespace {

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels(const std::vector<std::pair<std::string, std::string>>& l) {
  if (l.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < l.size(); ++i) out += (i ? "," : "") + l[i].first + "=\"" + escape(l[i].second) + "\"";
  return out + "}";
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void header(std::ostringstream& out, const std::string& name, const std::string& type, const std::string& help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

} // namespace

void Metrics::on_call(const wxpay::CallRecord& r) {
  const std::string endpoint(wxpay::to_string(r.endpoint));
  const double seconds = static_cast<double>(r.latency.count()) / 1000.0;
  std::lock_guard lock(mu_);
  ++calls_[{endpoint, r.outcome}];
  Histogram& h = latency_[endpoint];
  for (std::size_t i = 0; i < k_latency_buckets.size(); ++i)
    if (seconds <= k_latency_buckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
  if (r.outcome == "ok") last_ok_ = std::chrono::steady_clock::now();
}

void Metrics::on_notification(const std::string& event_type, const std::string& outcome) {
  std::lock_guard lock(mu_);
  ++notifications_[{event_type.empty() ? "none" : event_type, outcome}];
}

std::optional<std::chrono::steady_clock::time_point> Metrics::last_api_success() const {
  std::lock_guard lock(mu_);
  return last_ok_;
}

std::string Metrics::render(const std::vector<Gauge>& gauges) const {
  std::ostringstream out;
  std::string last_name;
  for (const auto& g : gauges) {
    if (g.name != last_name) header(out, g.name, g.type, g.help);
    last_name = g.name;
    out << g.name << labels(g.labels) << " " << number(g.value) << "\n";
  }
  std::lock_guard lock(mu_);
  header(out, "recharged_api_calls_total", "counter", "API calls by endpoint and outcome (ok or the error code).");
  for (const auto& [k, v] : calls_)
    out << "recharged_api_calls_total" << labels({{"endpoint", k.first}, {"outcome", k.second}}) << " " << v << "\n";
  header(out, "recharged_api_call_duration_seconds", "histogram", "API call latency by endpoint.");
  for (const auto& [endpoint, h] : latency_) {
    for (std::size_t i = 0; i < k_latency_buckets.size(); ++i)
      out << "recharged_api_call_duration_seconds_bucket"
          << labels({{"endpoint", endpoint}, {"le", number(k_latency_buckets[i])}}) << " " << h.buckets[i] << "\n";
    out << "recharged_api_call_duration_seconds_bucket" << labels({{"endpoint", endpoint}, {"le", "+Inf"}}) << " "
        << h.count << "\n";
    out << "recharged_api_call_duration_seconds_sum" << labels({{"endpoint", endpoint}}) << " " << number(h.sum) << "\n";
    out << "recharged_api_call_duration_seconds_count" << labels({{"endpoint", endpoint}}) << " " << h.count << "\n";
  }
  header(out, "recharged_notifications_total", "counter", "Notifications received by event type and outcome.");
  for (const auto& [k, v] : notifications_)
    out << "recharged_notifications_total" << labels({{"event_type", k.first}, {"outcome", k.second}}) << " " << v
        << "\n";
  return out.str();
}

} // namespace recharged::daemon
