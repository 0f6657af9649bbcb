#include "crypto/certificate.hpp"

#include "crypto/openssl_util.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace recharged::crypto {

using namespace detail;

namespace {

TimePoint asn1_to_time(const ASN1_TIME* t) {
  struct tm parts {};
  if (ASN1_TIME_to_tm(t, &parts) != 1) return TimePoint{};
  const auto day = std::chrono::year{parts.tm_year + 1900} / (parts.tm_mon + 1) / parts.tm_mday;
  return TimePoint{std::chrono::sys_days{day} + std::chrono::hours{parts.tm_hour} +
                   std::chrono::minutes{parts.tm_min} + std::chrono::seconds{parts.tm_sec}};
}

std::shared_ptr<X509> share(X509* cert) { return std::shared_ptr<X509>(cert, X509_free); }

} // namespace

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  auto bio = memory_bio(pem);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) return crypto_error("The certificate PEM could not be read");
  return Certificate(share(cert));
}

Certificate Certificate::self_signed(const PrivateKey& key, std::string_view common_name, std::string_view serial_hex,
                                     TimePoint not_before, TimePoint not_after) {
  auto cert = share(X509_new());
  X509_set_version(cert.get(), 2);
  BIGNUM* raw = nullptr;
  const std::string serial(serial_hex);
  const int digits = BN_hex2bn(&raw, serial.c_str());
  const BignumPtr bn(raw);
  if (digits == 0) throw std::invalid_argument("certificate serial is not hex");
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr)
    throw std::runtime_error("certificate serial could not be set: " + last_openssl_error());
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(unix_seconds(not_before)));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(unix_seconds(not_after)));
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(common_name);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.native());
  if (X509_sign(cert.get(), key.native(), EVP_sha256()) == 0)
    throw std::runtime_error("certificate signing failed: " + last_openssl_error());
  return Certificate(cert);
}

std::string Certificate::serial_hex() const {
  const BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  if (!bn) return "";
  const OpensslPtr<char> hex(BN_bn2hex(bn.get()));
  return hex ? std::string(hex.get()) : std::string();
}

PublicKey Certificate::public_key() const { return PublicKey(detail::share(X509_get_pubkey(cert_.get()))); }

TimePoint Certificate::not_before() const { return asn1_to_time(X509_get0_notBefore(cert_.get())); }

TimePoint Certificate::not_after() const { return asn1_to_time(X509_get0_notAfter(cert_.get())); }

std::string Certificate::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert_.get());
  return bio_contents(bio.get());
}

} // namespace recharged::crypto
