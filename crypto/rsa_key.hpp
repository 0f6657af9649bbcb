#pragma once

#include "core/result.hpp"

#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace recharged::crypto {

// A SHA256withRSA context set up once for a key (rsa_key.cpp): each signature or verification starts from a
// copy of it instead of fetching the algorithms and building a context again.
class DigestPrototype;

// An RSA public key (SPKI). Immutable, cheap to copy, safe to share between threads.
class PublicKey {
public:
  // Accepts "-----BEGIN PUBLIC KEY-----" (SPKI, the WeChat Pay public key file) or a certificate PEM.
  [[nodiscard]] static Result<PublicKey> from_pem(std::string_view pem);
  // RSA PKCS#1 v1.5 with SHA-256 over `message`; `signature` is raw bytes (not Base64).
  [[nodiscard]] bool verify_sha256(std::string_view message, std::string_view signature) const;
  [[nodiscard]] std::string to_pem() const;
  [[nodiscard]] bool same_key(const PublicKey& other) const;
  [[nodiscard]] int bits() const;

  explicit PublicKey(std::shared_ptr<evp_pkey_st> key);
  [[nodiscard]] evp_pkey_st* native() const noexcept { return key_.get(); }

private:
  std::shared_ptr<evp_pkey_st> key_;
  std::shared_ptr<DigestPrototype> verify_; // null when it could not be set up: then each call builds its own
};

// An RSA private key (the merchant's apiclient_key.pem). Immutable and thread-safe; never printed.
class PrivateKey {
public:
  // Accepts PKCS#8 ("BEGIN PRIVATE KEY") and PKCS#1 ("BEGIN RSA PRIVATE KEY"); refuses non-RSA and < 2048 bits.
  [[nodiscard]] static Result<PrivateKey> from_pem(std::string_view pem);
  [[nodiscard]] static PrivateKey generate(int bits = 2048);
  // RSA PKCS#1 v1.5 over SHA-256(message): raw signature bytes.
  [[nodiscard]] Result<std::string> sign_sha256(std::string_view message) const;
  [[nodiscard]] PublicKey public_key() const;
  // PKCS#8 PEM. Only for writing key files (sandbox and tests).
  [[nodiscard]] std::string to_pem() const;

  explicit PrivateKey(std::shared_ptr<evp_pkey_st> key);
  [[nodiscard]] evp_pkey_st* native() const noexcept { return key_.get(); }

private:
  std::shared_ptr<evp_pkey_st> key_;
  std::shared_ptr<DigestPrototype> sign_; // null when it could not be set up: then each call builds its own
};

} // namespace recharged::crypto
