#pragma once

#include "core/time.hpp"
#include "crypto/rsa_key.hpp"
#include "http/message.hpp"
#include "sandbox/faults.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace recharged::sandbox {

// What the simulated platform signs and encrypts with. Never printed.
struct PlatformIdentity {
  std::string sp_mchid;      // the platform merchant (平台商户) it serves
  std::string public_key_id; // "PUB_KEY_ID_" + 32 digits, sent in Wechatpay-Serial in public-key mode
  crypto::PrivateKey private_key;
  std::string apiv3_key;     // 32 characters of [0-9A-Za-z]
  // The platform certificates over private_key: the current one (its serial is Wechatpay-Serial in certificate
  // mode) and the one it replaced, which has expired. Empty when the state has none.
  std::string certificate_serial;
  std::string expired_certificate_serial;

  // Whether `serial` names one of its keys (a request's Wechatpay-Serial); hex serials in any case.
  [[nodiscard]] bool owns(std::string_view serial) const;
};

// The one merchant whose requests it accepts.
struct MerchantIdentity {
  std::string mchid;
  std::string serial_no;     // merchant API certificate serial, upper-case hex
  crypto::PublicKey public_key;
};

// One line of the sandbox's event log ("event=… key=value …"); may be empty (no logging). Must be thread-safe.
using LogSink = std::function<void(const std::string& line)>;

// Adds the Wechatpay-Timestamp, -Nonce, -Serial, -Signature and -Signature-Type headers: SHA256withRSA
// (PKCS#1 v1.5) with the platform key over "TIMESTAMP\nNONCE\nBODY\n", Base64, announced under the public key id
// or, for AnswerSigner::certificate, the current certificate's serial. Spoiled as `fault` asks: bad_signature
// changes one character of a valid signature; probe_signature prefixes it with WECHATPAY/SIGNTEST/
// (docs/PROTOCOL.md, "Signatures").
void sign_answer(const PlatformIdentity& identity, AnswerSigner signer, std::string_view body, TimePoint now,
                 FaultKind fault, http::Headers& out);

// A Request-ID (40 upper-case letters and digits), unique per call.
[[nodiscard]] std::string new_request_id();

} // namespace recharged::sandbox
