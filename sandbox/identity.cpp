#include "sandbox/identity.hpp"

#include "crypto/base64.hpp"
#include "crypto/random.hpp"

#include <cctype>

namespace recharged::sandbox {
namespace {
constexpr std::string_view k_probe_prefix = "WECHATPAY/SIGNTEST/";
} // namespace

void sign_answer(const PlatformIdentity& identity, std::string_view body, TimePoint now, FaultKind fault,
                 http::Headers& out) {
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
  out.set("Wechatpay-Serial", identity.public_key_id);
  out.set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048");
  out.set("Wechatpay-Signature", std::move(signature));
}

std::string new_request_id() {
  std::string id = crypto::random_alnum(40);
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id;
}

} // namespace recharged::sandbox
