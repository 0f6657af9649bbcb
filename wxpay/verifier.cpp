#include "wxpay/verifier.hpp"

#include "crypto/base64.hpp"
#include "wxpay/signing.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace recharged::wxpay {

void PlatformKeys::add_public_key(std::string key_id, crypto::PublicKey key) {
  public_key_id_ = key_id;
  keys_.insert_or_assign(std::move(key_id), std::move(key));
}

void PlatformKeys::add_certificate(const crypto::Certificate& cert) {
  const std::string serial = cert.serial_hex();
  keys_.insert_or_assign(serial, cert.public_key());
  if (newest_cert_serial_.empty() || cert.not_after() > newest_cert_not_after_) {
    newest_cert_serial_ = serial;
    newest_cert_not_after_ = cert.not_after();
  }
}

std::string canonical_serial(std::string_view serial) {
  std::string out;
  for (char c : serial) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    if (out.empty() && c == '0') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

const crypto::PublicKey* PlatformKeys::find(std::string_view serial) const {
  if (const auto it = keys_.find(serial); it != keys_.end()) return &it->second;
  const std::string wanted = canonical_serial(serial);
  if (wanted.empty()) return nullptr;
  for (const auto& [id, key] : keys_)
    if (canonical_serial(id) == wanted) return &key;
  return nullptr;
}

std::string PlatformKeys::preferred_serial() const {
  return public_key_id_.empty() ? newest_cert_serial_ : public_key_id_;
}

namespace {
// `rule` (in Error::field) tells callers which check failed: missing_header, probe, timestamp, clock_skew,
// unknown_serial, base64, mismatch.
Error refused(std::string rule, std::string reason) {
  Error e = Error::make(ErrorKind::retryable, ErrorReason::signature, "The WeChat Pay signature was refused: " + reason + ".");
  e.field = std::move(rule);
  return e;
}
std::string clip(std::string_view v) { return std::string(v.substr(0, 64)); }
constexpr std::int64_t k_far_seconds = std::int64_t{1} << 40;
} // namespace

SignatureHeaders SignatureHeaders::read(const http::Headers& headers) {
  auto text = [&](std::string_view name) -> std::optional<std::string> {
    const auto v = headers.get(name);
    if (!v || v->empty()) return std::nullopt;
    return clip(*v);
  };
  SignatureHeaders h;
  h.timestamp = text("Wechatpay-Timestamp");
  h.serial = text("Wechatpay-Serial");
  h.nonce = text("Wechatpay-Nonce").has_value();
  const auto signature = headers.get("Wechatpay-Signature");
  h.signature = signature && !signature->empty();
  h.probe = h.signature && signature->starts_with(k_probe_prefix);
  h.date = text("Date");
  return h;
}

std::vector<std::string_view> SignatureHeaders::missing() const {
  std::vector<std::string_view> out;
  if (!timestamp) out.push_back("Wechatpay-Timestamp");
  if (!nonce) out.push_back("Wechatpay-Nonce");
  if (!signature) out.push_back("Wechatpay-Signature");
  if (!serial) out.push_back("Wechatpay-Serial");
  return out;
}

Status verify_signature(const PlatformKeys& keys, const http::Headers& headers, std::string_view body, TimePoint now) {
  const auto timestamp = headers.get("Wechatpay-Timestamp");
  const auto nonce = headers.get("Wechatpay-Nonce");
  const auto signature = headers.get("Wechatpay-Signature");
  const auto serial = headers.get("Wechatpay-Serial");
  if (!timestamp || !nonce || !signature || !serial || timestamp->empty() || nonce->empty() || signature->empty() ||
      serial->empty())
    return refused("missing_header", "a Wechatpay-Timestamp, -Nonce, -Signature or -Serial header is missing (an unsigned answer is never data)");
  if (signature->starts_with(k_probe_prefix))
    return refused("probe", "the signature is a WECHATPAY/SIGNTEST/ probe, which by design never verifies");
  std::int64_t ts = 0;
  const auto [end, ec] = std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), ts);
  if (ec != std::errc{} || end != timestamp->data() + timestamp->size())
    return refused("timestamp", "Wechatpay-Timestamp '" + clip(*timestamp) + "' is not a number of seconds");
  // Clamped first so that absurd timestamps cannot overflow the subtraction; the verdict is the same.
  const std::int64_t now_s = unix_seconds(now);
  const std::int64_t skew = now_s - std::clamp(ts, now_s - k_far_seconds, now_s + k_far_seconds);
  if (skew >= k_max_clock_skew_seconds || skew <= -k_max_clock_skew_seconds)
    return refused("clock_skew", "Wechatpay-Timestamp is " + std::to_string(skew) + " s from our clock (the limit is ±300 s)");
  const crypto::PublicKey* key = keys.find(*serial);
  if (key == nullptr) return refused("unknown_serial", "no configured key has the serial '" + clip(*serial) + "'");
  auto raw = crypto::base64_decode(*signature);
  if (!raw) return refused("base64", "Wechatpay-Signature is not valid Base64");
  if (!key->verify_sha256(response_message(*timestamp, *nonce, body), *raw))
    return refused("mismatch", "the signature does not match the body under the key '" + clip(*serial) + "'");
  return {};
}

} // namespace recharged::wxpay
