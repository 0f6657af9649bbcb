#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/rsa_key.hpp"
#include "http/message.hpp"

#include <string>
#include <string_view>

namespace recharged::wxpay {

inline constexpr std::string_view k_auth_scheme = "WECHATPAY2-SHA256-RSA2048";

// "METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n" (docs/PROTOCOL.md, "Signatures"). `target` is the path plus "?query" exactly as
// sent; `body` is the exact bytes sent, empty for GET and for the body-less close POST.
[[nodiscard]] std::string request_message(http::Method method, std::string_view target, std::int64_t timestamp,
                                          std::string_view nonce, std::string_view body);
// "TIMESTAMP\nNONCE\nBODY\n" (§3.2): what a response or notification signature covers.
[[nodiscard]] std::string response_message(std::string_view timestamp, std::string_view nonce, std::string_view body);

// The merchant's request signer. Thread-safe; never exposes the key.
class RequestSigner {
public:
  RequestSigner(std::string mchid, std::string serial_no, crypto::PrivateKey key);
  // The full Authorization header value for one request.
  [[nodiscard]] Result<std::string> authorization(http::Method method, std::string_view target, std::string_view body,
                                                  std::int64_t timestamp, std::string_view nonce) const;
  [[nodiscard]] const std::string& mchid() const noexcept { return mchid_; }
  [[nodiscard]] const std::string& serial_no() const noexcept { return serial_no_; }

private:
  std::string mchid_;
  std::string serial_no_;
  crypto::PrivateKey key_;
};

// The five fields of an Authorization header, as a server reads them.
struct AuthorizationFields {
  std::string mchid;
  std::string nonce_str;
  std::string timestamp;
  std::string serial_no;
  std::string signature;
};
// Parses `WECHATPAY2-SHA256-RSA2048 k="v",…` in any field order; every field required and quoted.
[[nodiscard]] Result<AuthorizationFields> parse_authorization(std::string_view header);

// Platform side (sandbox and tests): the four Wechatpay-* headers signing `body` with the platform key.
void sign_response(const crypto::PrivateKey& key, std::string_view serial, std::string_view body,
                   std::int64_t timestamp, std::string_view nonce, http::Headers& out);

} // namespace recharged::wxpay
