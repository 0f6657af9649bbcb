#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "sandbox/rng.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace recharged::sandbox {

// Fault rates are probabilities per API request (0 = never, 1 = always). At most one of the answer faults
// (500 … probe) hits a request; latency is drawn separately and adds to any of them.
//   500 and 429 refuse before the platform sees the request (nothing happens);
//   reset and timeout hit after it was processed (the change happened, the answer is lost);
//   bad and probe signatures sign the real answer wrongly.
struct FaultConfig {
  double latency = 0;           // share of requests delayed by latency_duration (real time)
  Millis latency_duration{300};
  double server_error = 0;      // 500 SYSTEM_ERROR
  double rate_limited = 0;      // 429 FREQUENCY_LIMITED
  double reset = 0;             // the connection is closed mid-answer
  double timeout = 0;           // the answer is held for timeout_hold, then the connection is closed
  Millis timeout_hold{30'000};
  double bad_signature = 0;     // Wechatpay-Signature made with the wrong key
  double probe_signature = 0;   // Wechatpay-Signature starts with WECHATPAY/SIGNTEST/
  double notify_bad_signature = 0;   // the same two for notification deliveries
  double notify_probe_signature = 0;
  int frequency_limit = 0;      // requests per second per endpoint (real time) before 429; 0 = no limit
};

enum class FaultKind { none, server_error, rate_limited, reset, timeout, bad_signature, probe_signature };
[[nodiscard]] std::string_view to_string(FaultKind k) noexcept;

struct FaultDecision {
  FaultKind kind = FaultKind::none;
  Millis latency{0};
};

// Sets one FaultConfig field by its flag-style name ("server_error", "latency_duration", "frequency_limit",
// …) from text ("0.1", "300ms", "5"); errors name the key and the rule.
[[nodiscard]] Status set_fault(FaultConfig& config, std::string_view key, std::string_view value);
// Every field by the names set_fault() takes, with its value in the same spelling.
[[nodiscard]] std::map<std::string, std::string> describe(const FaultConfig& config);

// The per-request fault decisions (seeded) and the frequency limit. Thread-safe; the config can be switched
// while requests are in flight.
class FaultInjector {
public:
  explicit FaultInjector(FaultConfig config = {}, std::uint64_t seed = 1);

  [[nodiscard]] FaultConfig config() const;
  void set_config(const FaultConfig& config);
  // Draws the fault for one request.
  [[nodiscard]] FaultDecision decide();
  // Draws whether one notification delivery is badly or probe-signed (none otherwise).
  [[nodiscard]] FaultKind decide_notification();
  // Records one request to `endpoint` at `now` (a steady clock) and says whether it exceeds the limit of
  // frequency_limit requests within any one second.
  [[nodiscard]] bool over_limit(std::string_view endpoint, std::chrono::steady_clock::time_point now);

private:
  mutable std::mutex mu_;
  FaultConfig config_;
  Rng rng_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>, std::less<>> recent_;
};

} // namespace recharged::sandbox
