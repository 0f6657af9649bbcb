#pragma once

#include "core/time.hpp"
#include "crypto/rsa_key.hpp"

#include <memory>
#include <string>

struct x509_st;

namespace recharged::crypto {

// An X.509 certificate: a merchant API certificate or a WeChat Pay platform certificate.
class Certificate {
public:
  [[nodiscard]] static Result<Certificate> from_pem(std::string_view pem);
  // A self-signed certificate with the given serial (hex) for the sandbox and tests.
  [[nodiscard]] static Certificate self_signed(const PrivateKey& key, std::string_view common_name,
                                               std::string_view serial_hex, TimePoint not_before, TimePoint not_after);

  // Serial number as upper-case hex in whole bytes, exactly as `openssl x509 -noout -serial` prints it (the
  // documented way to find serial_no); a serial with an odd number of digits therefore starts with "0".
  [[nodiscard]] std::string serial_hex() const;
  [[nodiscard]] PublicKey public_key() const;
  [[nodiscard]] TimePoint not_before() const;
  [[nodiscard]] TimePoint not_after() const;
  [[nodiscard]] std::string to_pem() const;

  explicit Certificate(std::shared_ptr<x509_st> cert) : cert_(std::move(cert)) {}

private:
  std::shared_ptr<x509_st> cert_;
};

} // namespace recharged::crypto
