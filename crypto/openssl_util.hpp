#pragma once

// Private to crypto/*.cpp: small RAII helpers around OpenSSL handles.

#include "core/error.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace recharged::crypto::detail {

struct BioFree { void operator()(BIO* b) const noexcept { BIO_free(b); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); } };
struct CipherCtxFree { void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); } };
struct X509Free { void operator()(X509* x) const noexcept { X509_free(x); } };
struct BignumFree { void operator()(BIGNUM* b) const noexcept { BN_free(b); } };
struct OpensslFree { void operator()(void* p) const noexcept { OPENSSL_free(p); } }; // buffers OpenSSL allocated
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumFree>;
template <class T>
using OpensslPtr = std::unique_ptr<T, OpensslFree>;

inline BioPtr memory_bio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

inline std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// The oldest queued OpenSSL error as text, clearing the queue.
inline std::string last_openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

inline Error crypto_error(std::string message) {
  return Error::make(ErrorKind::invalid_input, "crypto", message + " (" + last_openssl_error() + ").");
}

inline std::shared_ptr<EVP_PKEY> share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

} // namespace recharged::crypto::detail
