#pragma once

#include "config/config.hpp"
#include "crypto/rsa_key.hpp"
#include "wxpay/verifier.hpp"

#include <string>

namespace recharged::config {

// The key material named by the config, loaded and checked. Never logged, printed or stored.
struct Secrets {
  crypto::PrivateKey merchant_key;
  std::string apiv3_key;            // exactly 32 bytes
  wxpay::PlatformKeys platform_keys; // public key by PUB_KEY_ID and/or platform certificates by serial
};

// Loads every key file. Refuses a private key or APIv3 key file that group or others can read (chmod 600),
// a malformed key, an APIv3 key that is not 32 bytes, a merchant certificate whose serial or public key does
// not match merchant.serial_no and the private key, and a platform key that cannot verify anything.
// Errors name the config key and the file, never the content.
[[nodiscard]] Result<Secrets> load_secrets(const Config& config);

// Refuses `path` when it is not a regular readable file or when group/others have any access.
[[nodiscard]] Status check_private_file(const std::filesystem::path& path, std::string_view key);

// The PostgreSQL connection URI of [database]: `url` as written, or the first line of `url_file` (which must be
// private, as a key file: it may carry a password). Never logged or printed; show pg::redact_url of it.
[[nodiscard]] Result<std::string> database_url(const Config& config);

} // namespace recharged::config
