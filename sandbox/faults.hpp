#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "sandbox/answer_shape.hpp"
#include "sandbox/outcome.hpp"
#include "sandbox/rng.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::sandbox {

// Fault rates are probabilities per API request (0 = never, 1 = always). At most one of the answer faults
// (500 … probe) hits a request; latency is drawn separately and adds to any of them.
//   500 and 429 refuse before the platform sees the request (nothing happens);
//   reset and timeout hit after it was processed (the change happened, the answer is lost);
//   bad and probe signatures sign the real answer wrongly.
// Which key signs the answers: the WeChat Pay public key (Wechatpay-Serial PUB_KEY_ID_…, public-key mode) or the
// platform certificate (Wechatpay-Serial its serial, certificate mode).
enum class AnswerSigner { public_key, certificate };
[[nodiscard]] std::string_view to_string(AnswerSigner s) noexcept;

// The Wechatpay-* headers of a signed answer, as strip_headers names them.
[[nodiscard]] const std::vector<std::string>& signature_header_names();

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
  double notify_lost = 0;            // share of new notifications never sent (besides NotifierConfig::lost_share)
  bool notify_down = false;          // the merchant's endpoint is down: every delivery attempt fails unsent and
                                     // is retried on the schedule (an outage of the notify_url)
  int frequency_limit = 0;      // requests per second per endpoint (real time) before 429; 0 = no limit

  // Answer shapes the pages allow (AnswerShape), as shares of query/close answers and notification resources.
  double omit_optional = 0;          // every optional field left out, recharge_amount's members included
  std::vector<std::string> omit_fields; // these optional fields always left out (optional_order_fields())
  double extra_fields = 0;           // fields the pages do not list, at every level
  double null_fields = 0;            // absent optional fields written as null
  double odd_times = 0;              // optional times not in RFC 3339
  double close_time_on_success = 0;  // close_time on SUCCESS orders, as the official samples have it
  std::string account_type_as;       // every answer reports this account_type (e.g. the older BASIC)
  std::string recharge_scene_as;     // every answer reports this recharge_scene (e.g. ECOMMERCE_BANK_TRANSFER)

  // Errors of the pages' tables. `error` answers a share `error_rate` of the authenticated requests to
  // `error_endpoint` (apply, query, close or all) before the platform acts on them.
  std::optional<NamedError> error;
  double error_rate = 1;
  std::string error_endpoint = "all";
  // Sub-merchants answered 403 NO_AUTH on every endpoint, with the chosen NO_AUTH wording.
  std::map<std::string, NamedError> no_auth;

  // Set-up failures as WeChat Pay, or the network in between, shows them to a merchant's first call
  // (`recharged check --online` diagnoses each):
  AnswerSigner sign_with = AnswerSigner::public_key; // answers and notifications signed in this mode
  std::vector<std::string> strip_headers; // removed from every API answer, as by a proxy that drops them
  Millis clock_offset{0};   // the platform's clock runs this far ahead (negative: behind) of the sandbox's:
                            // answers are stamped with it (Wechatpay-Timestamp, Date), requests judged by it
  bool backup_down = false; // the backup host, when one is served, refuses connections
};

enum class FaultKind { none, server_error, rate_limited, reset, timeout, bad_signature, probe_signature };
[[nodiscard]] std::string_view to_string(FaultKind k) noexcept;

struct FaultDecision {
  FaultKind kind = FaultKind::none;
  Millis latency{0};
};

// Sets one FaultConfig field by its flag-style name ("server_error", "latency_duration", "frequency_limit",
// "omit_fields", "error", "no_auth", "sign_with", "strip_headers", "clock_offset", "backup_host", …) from text
// ("0.1", "300ms", "5", "recharge_amount.amount,success_time", "no_auth_punished",
// "1900000102:no_auth_controlled,1900000103", "certificate", "Wechatpay-Signature,Wechatpay-Nonce" or "all",
// "-10m", "down"; "" or "none" clears a name or list); errors name the key and the rule.
[[nodiscard]] Status set_fault(FaultConfig& config, std::string_view key, std::string_view value);
// Every field by the names set_fault() takes, with its value in the same spelling.
[[nodiscard]] std::map<std::string, std::string> describe(const FaultConfig& config);

// The per-request fault decisions (seeded) and the frequency limit. Thread-safe; the config can be switched
// while requests are in flight.
class FaultInjector {
public:
  explicit FaultInjector(FaultConfig config = {}, std::uint64_t seed = 1);

  [[nodiscard]] FaultConfig config() const;
  // Switches the settings, then calls the on_change() function (outside the lock, on this thread).
  void set_config(const FaultConfig& config);
  // Called after every set_config() with the new settings (to open or close the backup host). Set before use.
  void on_change(std::function<void(const FaultConfig&)> fn);
  // Draws the fault for one request.
  [[nodiscard]] FaultDecision decide();
  // Draws whether one notification delivery is badly or probe-signed (none otherwise).
  [[nodiscard]] FaultKind decide_notification();
  // Records one request to `endpoint` at `now` (a steady clock) and says whether it exceeds the limit of
  // frequency_limit requests within any one second.
  [[nodiscard]] bool over_limit(std::string_view endpoint, std::chrono::steady_clock::time_point now);
  // Draws the shape of one order answer or notification resource.
  [[nodiscard]] AnswerShape shape();
  // Draws whether an authenticated request to `endpoint` gets the configured `error` instead of an answer.
  [[nodiscard]] std::optional<PlatformError> forced_error(std::string_view endpoint);
  // The 403 NO_AUTH answer for a sub-merchant configured in `no_auth`, if it is one.
  [[nodiscard]] std::optional<PlatformError> no_auth(std::string_view sub_mchid) const;

private:
  mutable std::mutex mu_;
  FaultConfig config_;
  Rng rng_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>, std::less<>> recent_;
  std::function<void(const FaultConfig&)> on_change_;
};

} // namespace recharged::sandbox
