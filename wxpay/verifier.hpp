#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/rsa_key.hpp"
#include "http/message.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recharged::wxpay {

inline constexpr std::int64_t k_max_clock_skew_seconds = 300;
inline constexpr std::string_view k_probe_prefix = "WECHATPAY/SIGNTEST/";

// The keys WeChat Pay signs with, by the id it puts in Wechatpay-Serial: a public key under its
// "PUB_KEY_ID_…" id (public-key mode) and/or platform certificates under their serial (certificate mode).
// Both may be present during a switch-over. Immutable after setup; safe to share between threads.
class PlatformKeys {
public:
  void add_public_key(std::string key_id, crypto::PublicKey key);
  void add_certificate(const crypto::Certificate& cert);
  // The key announced as `serial`: an exact match, or a certificate whose hex serial differs only in case or
  // leading zeros. nullptr when there is none.
  [[nodiscard]] const crypto::PublicKey* find(std::string_view serial) const;
  [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }
  // The id to send in our own Wechatpay-Serial header: the public key id if there is one, else the newest cert.
  [[nodiscard]] std::string preferred_serial() const;

private:
  std::map<std::string, crypto::PublicKey, std::less<>> keys_;
  std::string public_key_id_;
  std::string newest_cert_serial_;
  TimePoint newest_cert_not_after_{};
};

// The signature headers of an answer as they arrived, and its HTTP Date: what a diagnosis needs to tell a
// stripped header, a key the config lacks and a clock that is off apart. The signature itself is kept only as
// "present" and "is a probe". Values are clipped to 64 characters.
struct SignatureHeaders {
  std::optional<std::string> timestamp; // Wechatpay-Timestamp
  std::optional<std::string> serial;    // Wechatpay-Serial: PUB_KEY_ID_… or a platform certificate serial
  bool nonce = false;                   // Wechatpay-Nonce present
  bool signature = false;               // Wechatpay-Signature present
  bool probe = false;                   // … and it starts with WECHATPAY/SIGNTEST/
  std::optional<std::string> date;      // Date (RFC 9110 IMF-fixdate), the platform's clock without a signature

  [[nodiscard]] static SignatureHeaders read(const http::Headers& headers);
  // Which of Wechatpay-Timestamp, -Nonce, -Signature and -Serial are missing or empty, in that order.
  [[nodiscard]] std::vector<std::string_view> missing() const;
};

// A hex certificate serial without leading zeros, upper case; "" for anything else (such as PUB_KEY_ID_…).
// The SDKs disagree on the spelling: openssl and Go write whole bytes ("0ABC"), Java's BigInteger "ABC".
[[nodiscard]] std::string canonical_serial(std::string_view serial);

// Verifies a response or notification signature over the raw body (docs/PROTOCOL.md, "Answers and
// notifications"): all four Wechatpay-* headers present, |now − timestamp| < 300 s, key chosen by
// Wechatpay-Serial, WECHATPAY/SIGNTEST/ probes refused. Error kind `retryable`, code `signature`; the message says which rule failed and Error::field names
// it: missing_header, probe, timestamp, clock_skew, unknown_serial, base64 or mismatch.
[[nodiscard]] Status verify_signature(const PlatformKeys& keys, const http::Headers& headers, std::string_view body,
                                      TimePoint now);

} // namespace recharged::wxpay
