#pragma once

// Hand-built requests to the sandbox, for what the real ApiClient refuses to send (malformed bodies, bad
// signatures, missing headers): each piece of the request can be spoiled on purpose. The Authorization header
// is built here from the signing rules (docs/PROTOCOL.md), not with the client library's signer, so a mistake
// there cannot hide one in the sandbox.

#include "crypto/base64.hpp"
#include "crypto/random.hpp"
#include "http/curl_transport.hpp"
#include "sandbox/endpoints.hpp"
#include "tests/support/sandbox_fixture.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

namespace recharged::sandbox_test {

struct RawRequest {
  RawRequest(http::Method m, std::string t, std::string b = {}) : method(m), target(std::move(t)), body(std::move(b)) {}

  http::Method method = http::Method::get;
  std::string target;
  std::string body;
  std::optional<crypto::PrivateKey> key;      // default: the merchant key
  std::optional<std::string> mchid;           // default: the platform merchant
  std::optional<std::string> serial_no;       // default: the merchant certificate serial
  Millis clock_offset{0};                     // added to the timestamp that is signed
  std::optional<std::string> signed_body;     // sign this instead of `body`
  std::optional<std::string> signed_target;   // sign this instead of `target`
  std::optional<std::string> authorization;   // send this header verbatim instead
  bool accept = true;
  bool user_agent = true;
  std::optional<std::string> content_type;    // default: application/json on POST, none on GET ("" = none)
  std::optional<std::string> wechatpay_serial;
};

// "WECHATPAY2-SHA256-RSA2048 …" over "METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n", fields in the PHP SDK's order.
inline std::string authorization(const crypto::PrivateKey& key, const std::string& mchid, const std::string& serial,
                                 std::string_view method, const std::string& target, const std::string& body,
                                 std::int64_t timestamp, const std::string& nonce) {
  const std::string message =
      std::string(method) + "\n" + target + "\n" + std::to_string(timestamp) + "\n" + nonce + "\n" + body + "\n";
  auto signature = key.sign_sha256(message);
  REQUIRE(signature.ok());
  return "WECHATPAY2-SHA256-RSA2048 mchid=\"" + mchid + "\",serial_no=\"" + serial + "\",timestamp=\"" +
         std::to_string(timestamp) + "\",nonce_str=\"" + nonce + "\",signature=\"" + crypto::base64_encode(*signature) +
         "\"";
}

class RawClient {
public:
  RawClient(test::SandboxFixture& sandbox, const Clock& clock)
      : sandbox_(sandbox), clock_(clock), transport_(sandbox.curl_options(), clock) {}

  http::Response send(const RawRequest& r) {
    http::Request req;
    req.method = r.method;
    req.target = r.target;
    req.body = r.body;
    const auto ts = unix_seconds(clock_.now() + r.clock_offset);
    const std::string nonce = crypto::random_alnum(32);
    const crypto::PrivateKey key = r.key.value_or(sandbox_.merchant_key());
    const std::string auth = authorization(key, r.mchid.value_or(sandbox_.mchid()), r.serial_no.value_or(sandbox_.serial_no()),
                                           http::to_string(r.method), r.signed_target.value_or(r.target),
                                           r.signed_body.value_or(r.body), ts, nonce);
    req.headers.add("Authorization", r.authorization.value_or(auth));
    // An empty value makes libcurl drop the header instead of sending its default "Accept: */*".
    req.headers.add("Accept", r.accept ? "application/json" : "");
    if (r.user_agent) req.headers.add("User-Agent", "raw-test/1.0");
    const std::string type = r.content_type.value_or(r.method == http::Method::post ? "application/json" : "");
    if (!type.empty()) req.headers.add("Content-Type", type);
    if (r.wechatpay_serial) req.headers.add("Wechatpay-Serial", *r.wechatpay_serial);
    auto sent = transport_.send(req);
    REQUIRE(sent.ok());
    return std::move(*sent);
  }

  http::Response get(const std::string& target) {
    http::Request req;
    req.target = target;
    auto sent = transport_.send(req);
    REQUIRE(sent.ok());
    return std::move(*sent);
  }

  http::Response post(const std::string& target, std::string body) {
    http::Request req;
    req.method = http::Method::post;
    req.target = target;
    req.body = std::move(body);
    req.headers.add("Content-Type", "application/json");
    auto sent = transport_.send(req);
    REQUIRE(sent.ok());
    return std::move(*sent);
  }

private:
  test::SandboxFixture& sandbox_;
  const Clock& clock_;
  http::CurlTransport transport_;
};

inline std::string query_target(const std::string& no, const std::string& sub_mchid) {
  return std::string(sandbox::k_order_route_prefix) + no + "?sub_mchid=" + sub_mchid;
}

inline std::string close_target(const std::string& no, const std::string& sub_mchid) {
  return std::string(sandbox::k_order_route_prefix) + no + "/close?sub_mchid=" + sub_mchid;
}

inline const std::string& apply_target() {
  static const std::string t(sandbox::k_apply_route);
  return t;
}

} // namespace recharged::sandbox_test
