#include "crypto/rsa_key.hpp"

#include "crypto/openssl_util.hpp"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace recharged::crypto {

using namespace detail;

namespace {

Status require_rsa(EVP_PKEY* key, std::string_view what) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
    return Error::make(ErrorKind::invalid_input, "crypto", "The " + std::string(what) + " is not an RSA key.");
  if (EVP_PKEY_get_bits(key) < 2048)
    return Error::make(ErrorKind::invalid_input, "crypto",
                       "The " + std::string(what) + " has " + std::to_string(EVP_PKEY_get_bits(key)) +
                           " bits; WeChat Pay requires RSA keys of at least 2048 bits.");
  return {};
}

// A passphrase callback that supplies none: without it OpenSSL prompts on the terminal or reads stdin.
int no_passphrase(char*, int, int, void*) { return 0; }

} // namespace

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  if (pem.find("BEGIN CERTIFICATE") != std::string_view::npos) {
    auto bio = memory_bio(pem);
    const X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) return crypto_error("The certificate PEM could not be read");
    EVP_PKEY* key = X509_get_pubkey(cert.get());
    if (key == nullptr) return crypto_error("The certificate holds no usable public key");
    auto shared = share(key);
    RECHARGED_CHECK(require_rsa(key, "certificate's public key"));
    return PublicKey(std::move(shared));
  }
  auto bio = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) return crypto_error("The public key PEM could not be read (expected BEGIN PUBLIC KEY)");
  auto shared = share(key);
  RECHARGED_CHECK(require_rsa(key, "public key"));
  return PublicKey(std::move(shared));
}

bool PublicKey::verify_sha256(std::string_view message, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  return rc == 1;
}

std::string PublicKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  return bio_contents(bio.get());
}

bool PublicKey::same_key(const PublicKey& other) const { return EVP_PKEY_eq(key_.get(), other.key_.get()) == 1; }

int PublicKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  auto bio = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (key == nullptr)
    return crypto_error("The private key PEM could not be read (expected BEGIN PRIVATE KEY, unencrypted)");
  auto shared = share(key);
  RECHARGED_CHECK(require_rsa(key, "private key"));
  return PrivateKey(std::move(shared));
}

PrivateKey PrivateKey::generate(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (key == nullptr) throw std::runtime_error("RSA key generation failed: " + last_openssl_error());
  return PrivateKey(share(key));
}

Result<std::string> PrivateKey::sign_sha256(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1)
    return crypto_error("Could not start an RSA-SHA256 signature");
  std::size_t len = static_cast<std::size_t>(EVP_PKEY_get_size(key_.get()));
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    return crypto_error("RSA-SHA256 signing failed");
  sig.resize(len);
  return sig;
}

PublicKey PrivateKey::public_key() const {
  // Re-encode only the public half so the result never carries private material.
  unsigned char* raw = nullptr;
  const int len = i2d_PUBKEY(key_.get(), &raw);
  const OpensslPtr<unsigned char> der(raw);
  if (len <= 0 || !der) throw std::runtime_error("Could not encode the public half of an RSA key: " + last_openssl_error());
  const unsigned char* p = der.get();
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, len);
  if (pub == nullptr) throw std::runtime_error("Could not decode the public half of an RSA key: " + last_openssl_error());
  return PublicKey(share(pub));
}

std::string PrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_contents(bio.get());
}

} // namespace recharged::crypto
