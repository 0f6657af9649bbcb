#pragma once

#include "core/result.hpp"
#include "wxpay/models.hpp"
#include "wxpay/verifier.hpp"

#include <string>
#include <string_view>

namespace recharged::wxpay {

inline constexpr std::string_view k_aead_algorithm = "AEAD_AES_256_GCM";
inline constexpr std::string_view k_event_success = "RECHARGE.SUCCESS";
inline constexpr std::string_view k_event_closed = "RECHARGE.CLOSED";
inline constexpr std::string_view k_event_fund_returned = "RECHARGE.FUND_RETURNED";

struct OpenedNotification {
  Notification envelope;
  std::string plaintext; // the decrypted resource JSON
};

// Verifies the signature over the raw body (verify_signature rules), decodes the envelope, checks the
// algorithm, and decrypts the resource with the 32-byte APIv3 key. Error codes: signature, malformed,
// algorithm, decrypt. Nothing is trusted unless this returns a value.
[[nodiscard]] Result<OpenedNotification> open_notification(const PlatformKeys& keys, std::string_view apiv3_key,
                                                           const http::Headers& headers, std::string_view body,
                                                           TimePoint now);

// Platform side (sandbox and tests): encrypts `plaintext` into a notification resource.
[[nodiscard]] Result<NotificationResource> seal_resource(std::string_view apiv3_key, std::string_view original_type,
                                                         std::string_view plaintext, std::string nonce,
                                                         std::string associated_data);

} // namespace recharged::wxpay
