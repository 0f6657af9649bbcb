#pragma once

#include "core/time.hpp"
#include "http/server.hpp"
#include "sandbox/identity.hpp"
#include "sandbox/outcome.hpp"

#include <optional>
#include <string_view>

namespace recharged::sandbox {

// The platform's gate for every API request, in order:
//   400 INVALID_REQUEST "Http头缺少Accept或User-Agent" when either header is missing;
//   401 SIGN_ERROR unless Authorization parses (WECHATPAY2-SHA256-RSA2048, five quoted fields), names the
//       merchant's mchid and certificate serial, carries a timestamp less than 300 s from `now`, and its
//       signature verifies with the merchant public key over request_message(method, raw target, body);
//   400 INVALID_REQUEST when a Wechatpay-Serial header names another key than `public_key_id`.
// nullopt when the request may proceed. Pure.
[[nodiscard]] std::optional<PlatformError> check_request(const http::ServerRequest& request,
                                                         const MerchantIdentity& merchant,
                                                         std::string_view public_key_id, TimePoint now);

} // namespace recharged::sandbox
