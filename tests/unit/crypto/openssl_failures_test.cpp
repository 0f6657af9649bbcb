// What crypto/ does when OpenSSL itself fails: an error that says so, never a null key handed on to crash later.

#include "crypto/rsa_key.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <stdexcept>

using namespace recharged;

TEST_CASE("the public half of a key OpenSSL cannot encode is an error, not an empty PublicKey") {
  // An EVP_PKEY with no key material in it: i2d_PUBKEY refuses it.
  const crypto::PrivateKey empty(std::shared_ptr<EVP_PKEY>(EVP_PKEY_new(), EVP_PKEY_free));
  CHECK_THROWS_WITH_AS(static_cast<void>(empty.public_key()), doctest::Contains("public half of an RSA key"),
                       std::runtime_error);
  const auto real = crypto::PrivateKey::generate(2048);
  CHECK(real.public_key().bits() == 2048);
}
