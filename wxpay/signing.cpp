#include "wxpay/signing.hpp"

#include "crypto/base64.hpp"

namespace recharged::wxpay {

std::string request_message(http::Method method, std::string_view target, std::int64_t timestamp,
                            std::string_view nonce, std::string_view body) {
  std::string m;
  m.reserve(target.size() + nonce.size() + body.size() + 32);
  m += http::to_string(method);
  m += '\n';
  m += target;
  m += '\n';
  m += std::to_string(timestamp);
  m += '\n';
  m += nonce;
  m += '\n';
  m += body;
  m += '\n';
  return m;
}

std::string response_message(std::string_view timestamp, std::string_view nonce, std::string_view body) {
  std::string m;
  m.reserve(timestamp.size() + nonce.size() + body.size() + 3);
  m += timestamp;
  m += '\n';
  m += nonce;
  m += '\n';
  m += body;
  m += '\n';
  return m;
}

RequestSigner::RequestSigner(std::string mchid, std::string serial_no, crypto::PrivateKey key)
    : mchid_(std::move(mchid)), serial_no_(std::move(serial_no)), key_(std::move(key)) {}

Result<std::string> RequestSigner::authorization(http::Method method, std::string_view target, std::string_view body,
                                                 std::int64_t timestamp, std::string_view nonce) const {
  RECHARGED_TRY(const std::string raw, key_.sign_sha256(request_message(method, target, timestamp, nonce, body)));
  std::string h(k_auth_scheme);
  h += " mchid=\"" + mchid_ + "\",nonce_str=\"" + std::string(nonce) + "\",timestamp=\"" + std::to_string(timestamp) +
       "\",serial_no=\"" + serial_no_ + "\",signature=\"" + crypto::base64_encode(raw) + "\"";
  return h;
}

Result<AuthorizationFields> parse_authorization(std::string_view header) {
  auto bad = [](std::string rule) {
    return Error::make(ErrorKind::invalid_input, "SIGN_ERROR", "The Authorization header is invalid: " + rule + ".");
  };
  if (!header.starts_with(k_auth_scheme) || header.size() <= k_auth_scheme.size() || header[k_auth_scheme.size()] != ' ')
    return bad("it must start with WECHATPAY2-SHA256-RSA2048 and one space");
  std::string_view rest = header.substr(k_auth_scheme.size() + 1);
  AuthorizationFields f;
  int seen = 0;
  while (!rest.empty()) {
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos || eq + 1 >= rest.size() || rest[eq + 1] != '"') return bad("expected key=\"value\"");
    const std::string_view key = rest.substr(0, eq);
    const auto close = rest.find('"', eq + 2);
    if (close == std::string_view::npos) return bad("a value is missing its closing quote");
    std::string value(rest.substr(eq + 2, close - eq - 2));
    std::string* slot = key == "mchid"       ? &f.mchid
                        : key == "nonce_str" ? &f.nonce_str
                        : key == "timestamp" ? &f.timestamp
                        : key == "serial_no" ? &f.serial_no
                        : key == "signature" ? &f.signature
                                             : nullptr;
    if (slot == nullptr) return bad("unknown field '" + std::string(key.substr(0, 32)) + "'");
    if (!slot->empty()) return bad("field '" + std::string(key) + "' appears twice");
    if (value.empty()) return bad("field '" + std::string(key) + "' is empty");
    *slot = std::move(value);
    ++seen;
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ',') return bad("fields must be separated by ',' without spaces");
      rest.remove_prefix(1);
    }
  }
  if (seen != 5) return bad("it needs mchid, nonce_str, timestamp, serial_no and signature");
  return f;
}

void sign_response(const crypto::PrivateKey& key, std::string_view serial, std::string_view body,
                   std::int64_t timestamp, std::string_view nonce, http::Headers& out) {
  const std::string ts = std::to_string(timestamp);
  auto sig = key.sign_sha256(response_message(ts, nonce, body));
  out.set("Wechatpay-Timestamp", ts);
  out.set("Wechatpay-Nonce", std::string(nonce));
  out.set("Wechatpay-Serial", std::string(serial));
  out.set("Wechatpay-Signature-Type", std::string(k_auth_scheme));
  out.set("Wechatpay-Signature", sig ? crypto::base64_encode(*sig) : std::string());
}

} // namespace recharged::wxpay
