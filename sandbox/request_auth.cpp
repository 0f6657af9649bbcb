#include "sandbox/request_auth.hpp"

#include "crypto/base64.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace recharged::sandbox {
namespace {

constexpr std::string_view k_scheme = "WECHATPAY2-SHA256-RSA2048";
constexpr std::int64_t k_request_window_seconds = 300;

PlatformError sign_error(const std::string& why) {
  return PlatformError::make(401, "SIGN_ERROR", std::string(k_msg_sign) + " (" + why + ")");
}

PlatformError invalid_request(const std::string& why) { return PlatformError::make(400, "INVALID_REQUEST", why); }

std::string clip(std::string_view v, std::size_t n = 64) { return std::string(v.substr(0, n)); }

// The media type of a Content-Type value, lower-cased and without parameters or spaces.
std::string media_type(std::string_view value) {
  std::string out;
  for (const char c : value.substr(0, value.find(';')))
    if (c != ' ' && c != '\t') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Hex serials compare without regard to case.
bool same_serial(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

std::optional<PlatformError> check_headers(const http::ServerRequest& req, bool is_close) {
  const auto accept = req.headers.get("Accept");
  const auto agent = req.headers.get("User-Agent");
  if (!accept || accept->empty() || !agent || agent->empty()) return invalid_request("Http头缺少Accept或User-Agent");
  if (req.method != http::Method::post) return std::nullopt;
  const auto type = req.headers.get("Content-Type");
  if (!type || media_type(*type) != "application/json")
    return invalid_request("Content-Type须为application/json (got '" + clip(type.value_or(""), 80) + "')");
  if (is_close && !req.body.empty()) return invalid_request("关闭充值单的请求不带报文主体 (Content-Length 须为 0)");
  return std::nullopt;
}

std::optional<PlatformError> check_authorization(const http::ServerRequest& req, const MerchantIdentity& merchant,
                                                 TimePoint now) {
  const auto header = req.headers.get("Authorization");
  if (!header) return sign_error("the Authorization header is missing");
  std::string why;
  const auto auth = read_authorization(*header, why);
  if (!auth) return sign_error("the Authorization header is invalid: " + why);
  if (auth->mchid != merchant.mchid) return sign_error("mchid " + clip(auth->mchid, 32) + " is not this platform merchant");
  if (!same_serial(auth->serial_no, merchant.serial_no))
    return sign_error("serial_no " + clip(auth->serial_no) + " is not the merchant certificate's serial");
  const std::string& t = auth->timestamp;
  std::int64_t ts = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ts);
  if (ec != std::errc{} || end != t.data() + t.size() || t.front() == '-')
    return sign_error("the timestamp '" + clip(t, 24) + "' is not a number of seconds");
  const std::int64_t now_s = unix_seconds(now);
  if (ts <= now_s - k_request_window_seconds || ts >= now_s + k_request_window_seconds)
    return sign_error("the timestamp " + t + " is 300 s or more from the platform clock " + std::to_string(now_s));
  const auto raw = crypto::base64_decode(auth->signature);
  if (!raw) return sign_error("the signature is not Base64");
  const std::string message =
      signed_request_message(http::to_string(req.method), req.target, auth->timestamp, auth->nonce_str, req.body);
  if (!merchant.public_key.verify_sha256(message, *raw))
    return sign_error("the signature does not match the request under the merchant certificate");
  return std::nullopt;
}

} // namespace

std::optional<Authorization> read_authorization(std::string_view header, std::string& why) {
  if (header.size() <= k_scheme.size() || header.substr(0, k_scheme.size()) != k_scheme || header[k_scheme.size()] != ' ') {
    why = "it must start with " + std::string(k_scheme) + " and one space";
    return std::nullopt;
  }
  Authorization a;
  const std::array<std::pair<std::string_view, std::string*>, 5> slots{{{"mchid", &a.mchid},
                                                                       {"nonce_str", &a.nonce_str},
                                                                       {"timestamp", &a.timestamp},
                                                                       {"serial_no", &a.serial_no},
                                                                       {"signature", &a.signature}}};
  std::string_view rest = header.substr(k_scheme.size() + 1);
  std::size_t filled = 0;
  while (true) {
    const auto eq = rest.find("=\"");
    if (eq == std::string_view::npos || eq == 0) {
      why = "expected key=\"value\"";
      return std::nullopt;
    }
    const std::string_view key = rest.substr(0, eq);
    const auto close = rest.find('"', eq + 2);
    if (close == std::string_view::npos) {
      why = "the value of '" + clip(key, 32) + "' has no closing quote";
      return std::nullopt;
    }
    const std::string_view value = rest.substr(eq + 2, close - eq - 2);
    const auto slot = std::find_if(slots.begin(), slots.end(), [&](const auto& s) { return s.first == key; });
    if (slot == slots.end() || !slot->second->empty() || value.empty()) {
      why = slot == slots.end() ? "'" + clip(key, 32) + "' is not an Authorization field"
            : value.empty()     ? "'" + std::string(key) + "' is empty"
                                : "'" + std::string(key) + "' appears twice";
      return std::nullopt;
    }
    *slot->second = std::string(value);
    ++filled;
    rest.remove_prefix(close + 1);
    if (rest.empty()) break;
    if (rest.front() != ',') {
      why = "fields are separated by ',' without spaces";
      return std::nullopt;
    }
    rest.remove_prefix(1);
  }
  if (filled != slots.size()) {
    why = "it needs mchid, nonce_str, timestamp, serial_no and signature";
    return std::nullopt;
  }
  return a;
}

std::string signed_request_message(std::string_view method, std::string_view target, std::string_view timestamp,
                                   std::string_view nonce, std::string_view body) {
  std::string m;
  for (const std::string_view line : {method, target, timestamp, nonce, body}) {
    m += line;
    m += '\n';
  }
  return m;
}

std::optional<PlatformError> check_request(const http::ServerRequest& req, const MerchantIdentity& merchant,
                                           const PlatformIdentity& platform, TimePoint now, bool is_close) {
  if (auto refused = check_headers(req, is_close)) return refused;
  if (auto refused = check_authorization(req, merchant, now)) return refused;
  if (const auto serial = req.headers.get("Wechatpay-Serial"); serial && !platform.owns(*serial))
    return invalid_request("Wechatpay-Serial " + clip(*serial) + " 不是有效的微信支付公钥ID");
  return std::nullopt;
}

} // namespace recharged::sandbox
