#include "sandbox/request_auth.hpp"

#include "crypto/base64.hpp"
#include "wxpay/signing.hpp"
#include "wxpay/verifier.hpp"

#include <algorithm>
#include <charconv>

namespace recharged::sandbox {
namespace {

PlatformError sign_error(const std::string& why) {
  return PlatformError::make(401, "SIGN_ERROR", "签名错误,验签失败 (" + why + ")");
}

std::optional<PlatformError> check_authorization(const http::ServerRequest& req, const MerchantIdentity& merchant,
                                                 TimePoint now) {
  const auto header = req.headers.get("Authorization");
  if (!header) return sign_error("the Authorization header is missing");
  auto fields = wxpay::parse_authorization(*header);
  if (!fields) return sign_error(fields.error().message);
  if (fields->mchid != merchant.mchid) return sign_error("mchid " + fields->mchid.substr(0, 32) + " is not this platform merchant");
  if (fields->serial_no != merchant.serial_no)
    return sign_error("serial_no " + fields->serial_no.substr(0, 64) + " is not the merchant certificate's serial");
  std::int64_t ts = 0;
  const auto& t = fields->timestamp;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ts);
  if (ec != std::errc{} || end != t.data() + t.size()) return sign_error("the timestamp is not a number of seconds");
  // Clamped first: an absurd timestamp (±2^63) must be refused, not overflow the subtraction.
  const std::int64_t now_s = unix_seconds(now);
  constexpr std::int64_t k_far = 1'000'000;
  const std::int64_t skew = now_s - std::clamp(ts, now_s - k_far, now_s + k_far);
  if (skew >= wxpay::k_max_clock_skew_seconds || skew <= -wxpay::k_max_clock_skew_seconds)
    return sign_error("the timestamp is " + std::to_string(skew) + " s from the platform clock");
  auto raw = crypto::base64_decode(fields->signature);
  if (!raw) return sign_error("the signature is not Base64");
  const std::string message = wxpay::request_message(req.method, req.target, ts, fields->nonce_str, req.body);
  if (!merchant.public_key.verify_sha256(message, *raw))
    return sign_error("the signature does not match the request under the merchant certificate");
  return std::nullopt;
}

} // namespace

std::optional<PlatformError> check_request(const http::ServerRequest& req, const MerchantIdentity& merchant,
                                           std::string_view public_key_id, TimePoint now) {
  const auto accept = req.headers.get("Accept");
  const auto agent = req.headers.get("User-Agent");
  if (!accept || accept->empty() || !agent || agent->empty())
    return PlatformError::make(400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent");
  if (auto refused = check_authorization(req, merchant, now)) return refused;
  if (const auto serial = req.headers.get("Wechatpay-Serial"); serial && *serial != public_key_id)
    return PlatformError::make(400, "INVALID_REQUEST",
                               "Wechatpay-Serial " + std::string(serial->substr(0, 64)) + " 不是有效的微信支付公钥ID");
  return std::nullopt;
}

} // namespace recharged::sandbox
