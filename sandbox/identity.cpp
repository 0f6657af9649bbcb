#include "sandbox/identity.hpp"

#include "crypto/base64.hpp"
#include "crypto/random.hpp"

#include <algorithm>
#include <cctype>

namespace recharged::sandbox {
namespace {
constexpr std::string_view k_probe_prefix = "WECHATPAY/SIGNTEST/";
} // namespace

bool PlatformIdentity::owns(std::string_view serial) const {
  auto same = [serial](std::string_view id) {
    return !id.empty() && id.size() == serial.size() &&
           std::equal(id.begin(), id.end(), serial.begin(), [](char a, char b) {
             return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
           });
  };
  return serial == public_key_id || same(certificate_serial) || same(expired_certificate_serial);
}

void sign_answer(const PlatformIdentity& identity, AnswerSigner signer, std::string_view body, TimePoint now,
                 FaultKind fault, http::Headers& out) {
  const std::string timestamp = std::to_string(unix_seconds(now));
  const std::string nonce = crypto::random_alnum(32);
  std::string message = timestamp;
  message += '\n';
  message += nonce;
  message += '\n';
  message += body;
  message += '\n';
  const auto raw = identity.private_key.sign_sha256(message);
  std::string signature = raw ? crypto::base64_encode(*raw) : std::string();
  if (fault == FaultKind::probe_signature) {
    signature = std::string(k_probe_prefix) + signature;
  } else if (fault == FaultKind::bad_signature && signature.size() > 10) {
    // Still valid Base64 of the right length, so only the RSA check can catch it.
    signature[10] = signature[10] == 'A' ? 'B' : 'A';
  }
  out.set("Wechatpay-Timestamp", timestamp);
  out.set("Wechatpay-Nonce", nonce);
  const bool certificate = signer == AnswerSigner::certificate && !identity.certificate_serial.empty();
  out.set("Wechatpay-Serial", certificate ? identity.certificate_serial : identity.public_key_id);
  out.set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048");
  out.set("Wechatpay-Signature", std::move(signature));
}

std::string new_request_id() {
  std::string id = crypto::random_alnum(40);
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id;
}

} // namespace recharged::sandbox
