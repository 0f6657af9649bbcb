#include "sandbox/identity.hpp"

#include "crypto/random.hpp"
#include "wxpay/signing.hpp"
#include "wxpay/verifier.hpp"

#include <cctype>

namespace recharged::sandbox {

void sign_answer(const PlatformIdentity& identity, std::string_view body, TimePoint now, FaultKind fault,
                 http::Headers& out) {
  wxpay::sign_response(identity.private_key, identity.public_key_id, body, unix_seconds(now),
                       crypto::random_alnum(32), out);
  if (fault != FaultKind::bad_signature && fault != FaultKind::probe_signature) return;
  std::string signature(out.get("Wechatpay-Signature").value_or(""));
  if (fault == FaultKind::probe_signature) {
    signature = std::string(wxpay::k_probe_prefix) + signature;
  } else if (signature.size() > 10) {
    // Still valid Base64 of the right length, so only the RSA check can catch it.
    signature[10] = signature[10] == 'A' ? 'B' : 'A';
  }
  out.set("Wechatpay-Signature", std::move(signature));
}

std::string new_request_id() {
  std::string id = crypto::random_alnum(40);
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id;
}

} // namespace recharged::sandbox
