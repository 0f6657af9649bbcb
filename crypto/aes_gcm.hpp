#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace recharged::crypto {

// AEAD_AES_256_GCM as WeChat Pay uses it for notification resources: 32-byte key (the APIv3 key's ASCII
// bytes), nonce as given (12 bytes), AAD possibly empty; `sealed` = ciphertext || 16-byte tag.
// Fails cleanly on a wrong key size, a short input or an authentication failure.
[[nodiscard]] Result<std::string> aead_aes_256_gcm_open(std::string_view key, std::string_view nonce,
                                                       std::string_view aad, std::string_view sealed);
[[nodiscard]] Result<std::string> aead_aes_256_gcm_seal(std::string_view key, std::string_view nonce,
                                                       std::string_view aad, std::string_view plaintext);

// The same with the AES size chosen by the key length (16, 24 or 32 bytes); only for the SDK test vectors,
// which use 16-byte keys. Production code calls the 256-bit functions above.
[[nodiscard]] Result<std::string> aes_gcm_open_any(std::string_view key, std::string_view nonce,
                                                  std::string_view aad, std::string_view sealed);

} // namespace recharged::crypto
