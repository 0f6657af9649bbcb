#include "crypto/rsa_key.hpp"

#include "crypto/openssl_util.hpp"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <mutex>
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

enum class Operation { sign, verify };

// A new context set up for one SHA256withRSA operation with `key`, the long way (fetches the algorithms); null
// on failure.
MdCtxPtr new_context(EVP_PKEY* key, Operation op) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const int ok = !ctx ? 0
                 : op == Operation::sign ? EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key)
                                         : EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  return ok == 1 ? std::move(ctx) : nullptr;
}

} // namespace

class DigestPrototype {
public:
  explicit DigestPrototype(MdCtxPtr ctx) : ctx_(std::move(ctx)) {}

  // A SHA256withRSA context for `key`, or null when OpenSSL cannot make one (the caller then starts afresh).
  static std::shared_ptr<DigestPrototype> make(EVP_PKEY* key, Operation op) {
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return nullptr;
    MdCtxPtr ctx = new_context(key, op);
    if (!ctx) {
      ERR_clear_error();
      return nullptr;
    }
    return std::make_shared<DigestPrototype>(std::move(ctx));
  }

  // A fresh copy, ready for one EVP_DigestSign or EVP_DigestVerify (null on failure). Copies are serialised:
  // OpenSSL does not promise that concurrent copies of one context are safe.
  MdCtxPtr copy() const {
    MdCtxPtr out(EVP_MD_CTX_new());
    std::lock_guard lock(mu_);
    if (!out || EVP_MD_CTX_copy_ex(out.get(), ctx_.get()) != 1) return nullptr;
    // One use only: the final step may then consume the context instead of duplicating it first.
    EVP_MD_CTX_set_flags(out.get(), EVP_MD_CTX_FLAG_FINALISE);
    return out;
  }

private:
  MdCtxPtr ctx_;
  mutable std::mutex mu_;
};

namespace {

// A context ready for one operation: a copy of the prototype, else one built the long way.
MdCtxPtr start(const DigestPrototype* prototype, EVP_PKEY* key, Operation op) {
  if (prototype != nullptr)
    if (MdCtxPtr copy = prototype->copy()) return copy;
  ERR_clear_error();
  return new_context(key, op);
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

PublicKey::PublicKey(std::shared_ptr<evp_pkey_st> key)
    : key_(std::move(key)), verify_(DigestPrototype::make(key_.get(), Operation::verify)) {}

bool PublicKey::verify_sha256(std::string_view message, std::string_view signature) const {
  const MdCtxPtr ctx = start(verify_.get(), key_.get(), Operation::verify);
  if (!ctx) {
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

PrivateKey::PrivateKey(std::shared_ptr<evp_pkey_st> key)
    : key_(std::move(key)), sign_(DigestPrototype::make(key_.get(), Operation::sign)) {}

Result<std::string> PrivateKey::sign_sha256(std::string_view message) const {
  const MdCtxPtr ctx = start(sign_.get(), key_.get(), Operation::sign);
  if (!ctx) return crypto_error("Could not start an RSA-SHA256 signature");
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
