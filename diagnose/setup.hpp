#pragma once

// What can be wrong with a merchant's WeChat Pay set-up, told from one answer of the platform and the config:
// our signature refused (401), answers signed with a key the config lacks (the other mode, a new certificate),
// Wechatpay-* headers dropped on the way, a clock off by more than the platform allows, a host that cannot be
// reached, certificates about to expire. Used by `recharged check --online` and by the daemon, which logs the
// same findings when an answer first fails verification. Each finding says what to do next.

#include "config/config.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "http/message.hpp"
#include "wxpay/verifier.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::diagnose {

// How one check came out; to_string gives "ok", "warn", "fail" (the text `check` prints and --json writes).
enum class Status { ok, warn, fail };
[[nodiscard]] std::string_view to_string(Status s) noexcept;

// ok, warn or fail; a failure is caused by the network (worth retrying) or by the set-up (fix the config).
struct Finding {
  std::string check;   // signature, answer_key, headers, clock, answer_signature, network, certificates
  std::string host;    // "primary" or "backup" for what one host answered; "" for local facts
  Status status = Status::ok;
  std::string message;
  std::string next;    // what to do, for warn and fail
  bool network = false; // a fail the network caused (not the config)
};

// One certificate the config names, as read from its file.
struct CertificateFact {
  std::string key;  // the config key: merchant.certificate_file or platform.certificate_files
  std::string path;
  std::string serial;
  TimePoint not_after{};
};

// What the config holds, read once from its files (never the secrets themselves).
struct LocalSetup {
  std::string mchid;
  std::string serial_no;
  std::string proxy;                    // [platform] proxy, "" when direct
  std::string public_key_id;            // "" when no public key is configured
  bool has_public_key = false;
  std::optional<CertificateFact> merchant_certificate; // merchant.certificate_file, when configured and readable
  std::vector<CertificateFact> platform_certificates;  // platform.certificate_files that could be read
  bool keys_loaded = false;             // config::load_secrets() accepted the key files (key ⇄ certificate ⇄ serial)

  [[nodiscard]] static LocalSetup read(const config::Config& config, bool keys_loaded);
  // Whether `serial` (an answer's Wechatpay-Serial) names a configured key; hex serials in any case and with or
  // without leading zeros.
  [[nodiscard]] bool holds(std::string_view serial) const;
};

// What one host answered, reduced to what a diagnosis needs.
struct AnswerFacts {
  int status = 0;                     // HTTP status
  std::string error_code;             // the error body's code ("" when none could be read)
  std::string error_message;
  wxpay::SignatureHeaders headers;
  std::optional<Error> verification;  // verify_signature()'s refusal; nullopt when the signature verified
};

// Reads an HTTP answer and verifies its signature against `keys` at `now`.
[[nodiscard]] AnswerFacts read_answer(const http::Response& answer, const wxpay::PlatformKeys& keys, TimePoint now);

// The findings for one answer from `host` at `now` (our clock): signature (did the platform accept ours),
// answer_key (Wechatpay-Serial against the config: which mode), headers (all four arrived), clock (skew
// against Wechatpay-Timestamp, else Date, and the 300 s limit) and answer_signature (did it verify).
[[nodiscard]] std::vector<Finding> diagnose_answer(const LocalSetup& setup, const AnswerFacts& answer,
                                                   const std::string& host, TimePoint now);

// The finding for a host that gave no HTTP answer: which step failed (DNS, proxy, connect, TLS, timeout).
[[nodiscard]] Finding diagnose_unreachable(const LocalSetup& setup, const Error& error, const std::string& host,
                                           const std::string& url);

// Expiry of the merchant certificate and of each platform certificate: fail once expired (a platform
// certificate only when no other configured key is still valid), warn within 30 days.
[[nodiscard]] std::vector<Finding> diagnose_certificates(const LocalSetup& setup, TimePoint now);

// "Mon, 23 Nov 2026 02:04:00 GMT" (an HTTP Date); nullopt when it is not one.
[[nodiscard]] std::optional<TimePoint> parse_http_date(std::string_view date);

} // namespace recharged::diagnose
