#include "sandbox/faults.hpp"


#include <array>
#include <charconv>

namespace recharged::sandbox {

std::string_view to_string(FaultKind k) noexcept {
  switch (k) {
  case FaultKind::none: return "none";
  case FaultKind::server_error: return "server_error";
  case FaultKind::rate_limited: return "rate_limited";
  case FaultKind::reset: return "reset";
  case FaultKind::timeout: return "timeout";
  case FaultKind::bad_signature: return "bad_signature";
  case FaultKind::probe_signature: return "probe_signature";
  }
  return "none";
}

namespace {

std::string number(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string("0");
}

Error bad_value(std::string_view key, std::string_view value, std::string_view rule) {
  return Error::invalid("fault." + std::string(key), "The fault setting " + std::string(key) + "=" +
                                                          std::string(value.substr(0, 40)) + " is invalid: " +
                                                          std::string(rule) + ".");
}

Status set_rate(double& slot, std::string_view key, std::string_view value) {
  double v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || !(v >= 0 && v <= 1))
    return bad_value(key, value, "a rate is a number from 0 to 1");
  slot = v;
  return {};
}

Status set_duration(Millis& slot, std::string_view key, std::string_view value) {
  auto d = parse_duration(value);
  if (!d || d->count() < 0) return bad_value(key, value, "it must be a duration such as 300ms or 30s");
  slot = *d;
  return {};
}

Status set_limit(int& slot, std::string_view key, std::string_view value) {
  int v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size() || v < 0)
    return bad_value(key, value, "it must be a whole number of requests per second, 0 for no limit");
  slot = v;
  return {};
}

} // namespace

Status set_fault(FaultConfig& c, std::string_view key, std::string_view value) {
  if (key == "latency") return set_rate(c.latency, key, value);
  if (key == "latency_duration") return set_duration(c.latency_duration, key, value);
  if (key == "server_error") return set_rate(c.server_error, key, value);
  if (key == "rate_limited") return set_rate(c.rate_limited, key, value);
  if (key == "reset") return set_rate(c.reset, key, value);
  if (key == "timeout") return set_rate(c.timeout, key, value);
  if (key == "timeout_hold") return set_duration(c.timeout_hold, key, value);
  if (key == "bad_signature") return set_rate(c.bad_signature, key, value);
  if (key == "probe_signature") return set_rate(c.probe_signature, key, value);
  if (key == "notify_bad_signature") return set_rate(c.notify_bad_signature, key, value);
  if (key == "notify_probe_signature") return set_rate(c.notify_probe_signature, key, value);
  if (key == "frequency_limit") return set_limit(c.frequency_limit, key, value);
  return Error::invalid("fault", "The fault setting '" + std::string(key.substr(0, 40)) +
                                     "' is unknown: use latency, latency_duration, server_error, rate_limited, "
                                     "reset, timeout, timeout_hold, bad_signature, probe_signature, "
                                     "notify_bad_signature, notify_probe_signature or frequency_limit.");
}

std::map<std::string, std::string> describe(const FaultConfig& c) {
  return {
      {"latency", number(c.latency)},
      {"latency_duration", format_duration(c.latency_duration)},
      {"server_error", number(c.server_error)},
      {"rate_limited", number(c.rate_limited)},
      {"reset", number(c.reset)},
      {"timeout", number(c.timeout)},
      {"timeout_hold", format_duration(c.timeout_hold)},
      {"bad_signature", number(c.bad_signature)},
      {"probe_signature", number(c.probe_signature)},
      {"notify_bad_signature", number(c.notify_bad_signature)},
      {"notify_probe_signature", number(c.notify_probe_signature)},
      {"frequency_limit", std::to_string(c.frequency_limit)},
  };
}

FaultInjector::FaultInjector(FaultConfig config, std::uint64_t seed)
    : config_(config), rng_(Rng::derived(seed, "faults")) {}

FaultConfig FaultInjector::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void FaultInjector::set_config(const FaultConfig& config) {
  std::lock_guard lock(mu_);
  config_ = config;
}

FaultDecision FaultInjector::decide() {
  std::lock_guard lock(mu_);
  FaultDecision d;
  if (rng_.uniform() < config_.latency) d.latency = config_.latency_duration;
  const std::array<std::pair<FaultKind, double>, 6> table{{
      {FaultKind::server_error, config_.server_error},
      {FaultKind::rate_limited, config_.rate_limited},
      {FaultKind::reset, config_.reset},
      {FaultKind::timeout, config_.timeout},
      {FaultKind::bad_signature, config_.bad_signature},
      {FaultKind::probe_signature, config_.probe_signature},
  }};
  double u = rng_.uniform();
  for (const auto& [kind, rate] : table) {
    if (u < rate) {
      d.kind = kind;
      break;
    }
    u -= rate;
  }
  return d;
}

FaultKind FaultInjector::decide_notification() {
  std::lock_guard lock(mu_);
  const double u = rng_.uniform();
  if (u < config_.notify_bad_signature) return FaultKind::bad_signature;
  if (u < config_.notify_bad_signature + config_.notify_probe_signature) return FaultKind::probe_signature;
  return FaultKind::none;
}

bool FaultInjector::over_limit(std::string_view endpoint, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (config_.frequency_limit <= 0) return false;
  auto it = recent_.find(endpoint);
  if (it == recent_.end()) it = recent_.emplace(std::string(endpoint), std::deque<std::chrono::steady_clock::time_point>{}).first;
  auto& window = it->second;
  while (!window.empty() && now - window.front() >= std::chrono::seconds{1}) window.pop_front();
  if (window.size() >= static_cast<std::size_t>(config_.frequency_limit)) return true;
  window.push_back(now);
  return false;
}

} // namespace recharged::sandbox
