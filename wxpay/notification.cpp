#include "wxpay/notification.hpp"

#include "crypto/aes_gcm.hpp"
#include "crypto/base64.hpp"
#include "wxpay/codec.hpp"

namespace recharged::wxpay {

Result<OpenedNotification> open_notification(const PlatformKeys& keys, std::string_view apiv3_key,
                                             const http::Headers& headers, std::string_view body, TimePoint now) {
  RECHARGED_CHECK(verify_signature(keys, headers, body, now));
  RECHARGED_TRY(Notification envelope, decode_notification(body));
  if (envelope.resource.algorithm != k_aead_algorithm)
    return Error::make(ErrorKind::invalid_input, ErrorReason::algorithm,
                       "The notification resource uses the algorithm '" + envelope.resource.algorithm.substr(0, 40) +
                           "'; only AEAD_AES_256_GCM is accepted.");
  auto sealed = crypto::base64_decode(envelope.resource.ciphertext);
  if (!sealed) return Error::make(ErrorKind::invalid_input, ErrorReason::decrypt, "The notification ciphertext is not valid Base64.");
  auto plain = crypto::aead_aes_256_gcm_open(apiv3_key, envelope.resource.nonce, envelope.resource.associated_data, *sealed);
  if (!plain) {
    return Error::make(ErrorKind::invalid_input, ErrorReason::decrypt, std::move(plain).error().message);
  }
  return OpenedNotification{std::move(envelope), std::move(*plain)};
}

Result<NotificationResource> seal_resource(std::string_view apiv3_key, std::string_view original_type,
                                           std::string_view plaintext, std::string nonce, std::string associated_data) {
  RECHARGED_TRY(const std::string sealed, crypto::aead_aes_256_gcm_seal(apiv3_key, nonce, associated_data, plaintext));
  NotificationResource r;
  r.original_type = std::string(original_type);
  r.algorithm = std::string(k_aead_algorithm);
  r.ciphertext = crypto::base64_encode(sealed);
  r.associated_data = std::move(associated_data);
  r.nonce = std::move(nonce);
  return r;
}

} // namespace recharged::wxpay
