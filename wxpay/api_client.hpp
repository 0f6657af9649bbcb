#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"
#include "wxpay/models.hpp"
#include "wxpay/signing.hpp"
#include "wxpay/verifier.hpp"

#include <string>
#include <string_view>

namespace recharged::wxpay {

enum class Endpoint { apply, query, close };
[[nodiscard]] std::string_view to_string(Endpoint e) noexcept;

inline constexpr std::string_view k_apply_path = "/v3/platsolution/ecommerce/recharges/apply";
inline constexpr std::string_view k_order_path = "/v3/platsolution/ecommerce/recharges/out-recharge-no/";

// What every call produced, success or not: for the `api_call` log line, metrics and the event table.
struct CallRecord {
  Endpoint endpoint = Endpoint::query;
  std::string out_recharge_no;
  std::string sub_mchid;
  int http_status = 0;     // 0 = no HTTP answer
  std::string request_id;
  std::string outcome;     // "ok" or the error code
  ErrorKind kind = ErrorKind::internal; // meaningful when outcome != "ok"
  Millis latency{0};
  // Filled only when the answer's signature was refused (outcome "signature") or the platform refused ours
  // (HTTP 401): which rule refused it (verify_signature's Error::field, "" for a 401) and the answer's
  // signature headers, so an observer can tell what is wrong with the set-up (diagnose/).
  std::string signature_refused;
  SignatureHeaders signature_headers;
};

class CallObserver {
public:
  virtual ~CallObserver() = default;
  // Called once per call, from the calling thread, after the answer was verified (or refused).
  virtual void on_call(const CallRecord& record) = 0;
};

// A verified 2xx answer. `body` is the raw, signature-verified JSON: the evidence recorded in order_events.
template <class T>
struct Answer {
  T value;
  int http_status = 0;
  std::string request_id;
  std::string body;
};

// The three recharge endpoints. Each call validates its input, signs, sends, verifies the answer's signature
// and decodes it. Errors are classified for the caller (core/error.hpp):
//   retryable    connect failure, 5xx/202/bad signature/malformed answer on a query, 401 SIGN_ERROR
//   ambiguous    the same on apply or close (they may have taken effect), timeouts after sending, and
//                "该业务充值单号已存在" (the order exists: query it)
//   rate_limited 429 or FREQUENCY_LIMITED / RATELIMIT_EXCEEDED / RATE_LIMITED
//   not_found    404 NOT_FOUND
//   permanent    other 4xx business refusals (PARAM_ERROR, INVALID_REQUEST, NO_AUTH, …)
// Thread-safe when the transport is.
class ApiClient {
public:
  ApiClient(RequestSigner signer, PlatformKeys keys, http::Transport& transport, const Clock& clock,
            std::string user_agent);
  void set_observer(CallObserver* observer) noexcept { observer_ = observer; }

  [[nodiscard]] Result<Answer<ApplyResponse>> apply(const ApplyRequest& request);
  [[nodiscard]] Result<Answer<MchDeposit>> query(std::string_view sub_mchid, std::string_view out_recharge_no);
  [[nodiscard]] Result<Answer<MchDeposit>> close(std::string_view sub_mchid, std::string_view out_recharge_no);

  // A query sent exactly as query() sends it, whose answer comes back as it arrived — any status, headers and
  // body, nothing verified or decoded, no observer called — for a caller that judges the answer itself
  // (`recharged check --online`). A GET: it cannot create or change an order.
  [[nodiscard]] Result<http::Response> probe_query(std::string_view sub_mchid, std::string_view out_recharge_no);

  [[nodiscard]] const PlatformKeys& platform_keys() const noexcept { return keys_; }

private:
  struct Raw {
    int status = 0;
    std::string request_id;
    std::string body;
  };
  Result<Raw> exchange(Endpoint endpoint, http::Method method, std::string target, std::string body,
                       CallRecord& record);
  Result<http::Request> signed_request(http::Method method, std::string target, std::string body) const;
  Result<Answer<MchDeposit>> order_call(Endpoint endpoint, std::string_view sub_mchid, std::string_view out_recharge_no);
  void report(CallRecord& record, const Error* error);

  RequestSigner signer_;
  PlatformKeys keys_;
  http::Transport& transport_;
  const Clock& clock_;
  std::string user_agent_;
  CallObserver* observer_ = nullptr;
};

// Maps a non-2xx answer to an Error (exposed for tests and the sandbox's own checks).
[[nodiscard]] Error classify_error_answer(Endpoint endpoint, int status, std::string_view body, std::string request_id);

} // namespace recharged::wxpay
