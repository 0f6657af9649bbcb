#pragma once

#include "core/time.hpp"
#include "http/server.hpp"
#include "sandbox/identity.hpp"
#include "sandbox/outcome.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace recharged::sandbox {

// The five fields of a WECHATPAY2-SHA256-RSA2048 Authorization header.
struct Authorization {
  std::string mchid;
  std::string nonce_str;
  std::string timestamp;
  std::string serial_no;
  std::string signature;
};

// Reads `WECHATPAY2-SHA256-RSA2048 k="v",k="v",…`: the scheme, one space, the five fields in any order, each
// once, every value double-quoted and non-empty, separated by ',' without spaces. Unknown keys are refused.
// nullopt with `why` set when it does not read.
[[nodiscard]] std::optional<Authorization> read_authorization(std::string_view header, std::string& why);

// The message a merchant signs: "METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n", TARGET being the raw path and
// query as sent and BODY the raw body bytes (empty for GET and for the body-less close).
[[nodiscard]] std::string signed_request_message(std::string_view method, std::string_view target,
                                                 std::string_view timestamp, std::string_view nonce,
                                                 std::string_view body);

// The platform's gate for every API request, in order:
//   400 INVALID_REQUEST "Http头缺少Accept或User-Agent" when either header is missing;
//   400 INVALID_REQUEST when a POST does not declare Content-Type application/json (parameters such as
//       "; charset=utf-8" allowed), or a close carries a body (it has none: Content-Length 0);
//   401 SIGN_ERROR unless Authorization reads, names the merchant's mchid and certificate serial, carries
//       a timestamp less than 300 s from `now`, and its Base64 signature verifies with the merchant's public
//       key over signed_request_message(method, raw target, timestamp, nonce, raw body);
//   400 INVALID_REQUEST when a Wechatpay-Serial header names no key of `platform` (its public key id or one of
//       its certificate serials, the expired one included).
// `is_close` marks the body-less close call. nullopt when the request may proceed. Pure.
[[nodiscard]] std::optional<PlatformError> check_request(const http::ServerRequest& request,
                                                         const MerchantIdentity& merchant,
                                                         const PlatformIdentity& platform, TimePoint now, bool is_close);

} // namespace recharged::sandbox
