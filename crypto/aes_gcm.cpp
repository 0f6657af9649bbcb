#include "crypto/aes_gcm.hpp"

#include "crypto/openssl_util.hpp"

namespace recharged::crypto {

using namespace detail;

namespace {

constexpr std::size_t k_tag_size = 16;

const EVP_CIPHER* cipher_for(std::size_t key_size) {
  switch (key_size) {
  case 16: return EVP_aes_128_gcm();
  case 24: return EVP_aes_192_gcm();
  case 32: return EVP_aes_256_gcm();
  default: return nullptr;
  }
}

Error aead_error(std::string message) {
  return Error::make(ErrorKind::invalid_input, ErrorReason::decrypt, std::move(message));
}

Result<std::string> open(const EVP_CIPHER* cipher, std::string_view key, std::string_view nonce, std::string_view aad,
                         std::string_view sealed) {
  if (sealed.size() < k_tag_size) return aead_error("The ciphertext is shorter than the 16-byte GCM tag.");
  if (nonce.empty()) return aead_error("The GCM nonce is empty.");
  const auto body = sealed.substr(0, sealed.size() - k_tag_size);
  std::string tag(sealed.substr(sealed.size() - k_tag_size));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string out(body.size(), '\0');
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, k, iv) == 1;
  if (ok && !aad.empty())
    ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                           static_cast<int>(aad.size())) == 1;
  if (ok && !body.empty())
    ok = EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                           reinterpret_cast<const unsigned char*>(body.data()), static_cast<int>(body.size())) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(k_tag_size), tag.data()) == 1;
  int final_len = 0;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &final_len) == 1;
  ERR_clear_error();
  if (!ok) return aead_error("AES-GCM authentication failed: wrong key, nonce, associated data, or tampered text.");
  return out;
}

} // namespace

Result<std::string> aead_aes_256_gcm_open(std::string_view key, std::string_view nonce, std::string_view aad,
                                          std::string_view sealed) {
  if (key.size() != 32) return aead_error("The APIv3 key must be exactly 32 bytes for AEAD_AES_256_GCM.");
  return open(EVP_aes_256_gcm(), key, nonce, aad, sealed);
}

Result<std::string> aes_gcm_open_any(std::string_view key, std::string_view nonce, std::string_view aad,
                                     std::string_view sealed) {
  const EVP_CIPHER* cipher = cipher_for(key.size());
  if (cipher == nullptr) return aead_error("An AES key must be 16, 24 or 32 bytes.");
  return open(cipher, key, nonce, aad, sealed);
}

Result<std::string> aead_aes_256_gcm_seal(std::string_view key, std::string_view nonce, std::string_view aad,
                                          std::string_view plaintext) {
  if (key.size() != 32) return aead_error("The APIv3 key must be exactly 32 bytes for AEAD_AES_256_GCM.");
  if (nonce.empty()) return aead_error("The GCM nonce is empty.");
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + k_tag_size, '\0');
  int len = 0;
  int final_len = 0;
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, k, iv) == 1;
  if (ok && !aad.empty())
    ok = EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                           static_cast<int>(aad.size())) == 1;
  len = 0;
  if (ok && !plaintext.empty())
    ok = EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                           reinterpret_cast<const unsigned char*>(plaintext.data()),
                           static_cast<int>(plaintext.size())) == 1;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &final_len) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_tag_size),
                                 out.data() + plaintext.size()) == 1;
  if (!ok) return crypto_error("AES-GCM encryption failed");
  return out;
}

} // namespace recharged::crypto
