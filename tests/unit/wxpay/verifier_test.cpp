#include "wxpay/verifier.hpp"

#include "crypto/base64.hpp"
#include "crypto/random.hpp"
#include "tests/support/command.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/vectors.hpp"
#include "wxpay/signing.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::wxpay;
using namespace std::chrono;

namespace {

// docs/PROTOCOL.md, "Test vectors", V2 (wechatpay-go core/notify/notify_test.go): a notification signed by the key of
// go_test_cert.pem (serial D7CE59D1F522D701) at 1624523846.
constexpr std::string_view k_v2_body =
    R"({"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00",)"
    R"("resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功",)"
    R"("resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM",)"
    R"("ciphertext":"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt)"
    R"(tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR)"
    R"(7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==","associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}})";
constexpr std::string_view k_v2_signature =
    "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9"
    "++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZ"
    "RU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZK"
    "NiKRACrFmtxw2Q==";
constexpr std::int64_t k_v2_time = 1624523846;

http::Headers v2_headers() {
  http::Headers h;
  h.add("Content-Type", "application/json");
  h.add("Wechatpay-Nonce", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz");
  h.add("Wechatpay-Timestamp", std::to_string(k_v2_time));
  h.add("Wechatpay-Serial", "D7CE59D1F522D701");
  h.add("Wechatpay-Signature", std::string(k_v2_signature));
  return h;
}

PlatformKeys v2_keys() {
  PlatformKeys keys;
  keys.add_certificate(crypto::Certificate::from_pem(test::vector_file("go_test_cert.pem")).value());
  return keys;
}

TimePoint at(std::int64_t unix) { return from_unix_seconds(unix); }

// The rule a refusal names (Error::field), or "ok".
std::string verdict(const PlatformKeys& keys, const http::Headers& h, std::string_view body, TimePoint now) {
  const Status s = verify_signature(keys, h, body, now);
  if (s.ok()) return "ok";
  CHECK(s.error().code == "signature");
  CHECK(s.error().kind == ErrorKind::retryable);
  return s.error().field;
}

http::Headers with(http::Headers h, const std::string& name, const std::string& value) {
  h.set(name, value);
  return h;
}

http::Headers without(const http::Headers& h, std::string_view name) {
  http::Headers out;
  for (const auto& [k, v] : h.all())
    if (!http::iequals(k, name)) out.add(k, v);
  return out;
}

// Headers as the test platform would sign `body` at `ts` under `serial`.
http::Headers signed_by_platform(std::string_view body, std::int64_t ts, const std::string& serial) {
  http::Headers h;
  sign_response(test::TestKeys::shared().platform.key, serial, body, ts, crypto::random_alnum(32), h);
  return h;
}

} // namespace

TEST_CASE("V2's body is the 568 bytes the SDK test signed (SHA-256 checked with openssl)") {
  CHECK(k_v2_body.size() == 568);
  test::TempDir dir;
  const auto path = dir.write("v2_body.json", std::string(k_v2_body));
  const auto digest = test::run_command("openssl dgst -sha256 -r " + test::shell_quote(path.string()));
  REQUIRE(digest.exit_code == 0);
  CHECK(digest.output.starts_with("b6fdfc5e4afdc463950d873c4fdc3c494df05965016225c6a1e8e2e887cdc94d"));
}

TEST_CASE("V2: the SDK's notification signature verifies in certificate mode at its own time") {
  CHECK(verdict(v2_keys(), v2_headers(), k_v2_body, at(k_v2_time)) == "ok");
}

TEST_CASE("V2 negative: one changed body byte, another serial or another key is refused") {
  std::string body(k_v2_body);
  body[10] = 'X';
  CHECK(verdict(v2_keys(), v2_headers(), body, at(k_v2_time)) == "mismatch");
  CHECK(verdict(v2_keys(), v2_headers(), std::string(k_v2_body) + "\n", at(k_v2_time)) == "mismatch");
  CHECK(verdict(v2_keys(), with(v2_headers(), "Wechatpay-Nonce", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBZ"), k_v2_body,
                at(k_v2_time)) == "mismatch");
  CHECK(verdict(v2_keys(), with(v2_headers(), "Wechatpay-Serial", "D7CE59D1F522D702"), k_v2_body, at(k_v2_time)) ==
        "unknown_serial");
  PlatformKeys other;
  other.add_public_key("D7CE59D1F522D701", crypto::PublicKey::from_pem(test::vector_file("java_wechat_pay_public_key.pem")).value());
  CHECK(verdict(other, v2_headers(), k_v2_body, at(k_v2_time)) == "mismatch");
}

TEST_CASE("V2: the same signature verifies in public-key mode under an id naming the same key") {
  PlatformKeys keys;
  keys.add_public_key("D7CE59D1F522D701", crypto::PublicKey::from_pem(test::vector_file("go_test_pubkey.pem")).value());
  CHECK(verdict(keys, v2_headers(), k_v2_body, at(k_v2_time)) == "ok");
}

TEST_CASE("a timestamp 299 s away is accepted and 300 s away is refused, in both directions") {
  CHECK(verdict(v2_keys(), v2_headers(), k_v2_body, at(k_v2_time + 299)) == "ok");
  CHECK(verdict(v2_keys(), v2_headers(), k_v2_body, at(k_v2_time - 299)) == "ok");
  CHECK(verdict(v2_keys(), v2_headers(), k_v2_body, at(k_v2_time + 300)) == "clock_skew");
  CHECK(verdict(v2_keys(), v2_headers(), k_v2_body, at(k_v2_time - 300)) == "clock_skew");
  CHECK(verdict(v2_keys(), v2_headers(), k_v2_body, at(k_v2_time) + milliseconds{299'999}) == "ok");
  CHECK(verdict(v2_keys(), v2_headers(), k_v2_body, at(k_v2_time + 86'400 * 365)) == "clock_skew");
}

TEST_CASE("each missing or empty Wechatpay header is refused as missing_header") {
  for (const char* name : {"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"}) {
    CAPTURE(std::string(name));
    CHECK(verdict(v2_keys(), without(v2_headers(), name), k_v2_body, at(k_v2_time)) == "missing_header");
    CHECK(verdict(v2_keys(), with(v2_headers(), name, ""), k_v2_body, at(k_v2_time)) == "missing_header");
  }
  CHECK(verdict(v2_keys(), http::Headers{}, k_v2_body, at(k_v2_time)) == "missing_header");
}

TEST_CASE("header names are matched without regard to case") {
  http::Headers lower;
  const http::Headers original = v2_headers();
  for (const auto& [k, v] : original.all()) {
    std::string name = k;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lower.add(name, v);
  }
  CHECK(verdict(v2_keys(), lower, k_v2_body, at(k_v2_time)) == "ok");
}

TEST_CASE("WECHATPAY/SIGNTEST/ probes are refused as probes, whether or not they would decode") {
  for (std::string probe : {std::string("WECHATPAY/SIGNTEST/"), std::string("WECHATPAY/SIGNTEST/A"),
                            "WECHATPAY/SIGNTEST/" + std::string(k_v2_signature)}) {
    CAPTURE(probe);
    CHECK(verdict(v2_keys(), with(v2_headers(), "Wechatpay-Signature", probe), k_v2_body, at(k_v2_time)) == "probe");
  }
}

TEST_CASE("timestamps that are not plain decimal seconds are refused, extreme ones without overflow") {
  for (std::string ts : {"1624523846.0", "+1624523846", " 1624523846", "1624523846 ", "0x60D4", "abc", "1e9",
                         "99999999999999999999"}) {
    CAPTURE(ts);
    CHECK(verdict(v2_keys(), with(v2_headers(), "Wechatpay-Timestamp", ts), k_v2_body, at(k_v2_time)) == "timestamp");
  }
  for (std::string ts : {"-9223372036854775808", "9223372036854775807", "0", "-1"}) {
    CAPTURE(ts);
    CHECK(verdict(v2_keys(), with(v2_headers(), "Wechatpay-Timestamp", ts), k_v2_body, at(k_v2_time)) == "clock_skew");
  }
}

TEST_CASE("a signature that is not Base64 is refused as base64") {
  CHECK(verdict(v2_keys(), with(v2_headers(), "Wechatpay-Signature", "not base64!"), k_v2_body, at(k_v2_time)) ==
        "base64");
}

TEST_CASE("with both modes configured the key is chosen by Wechatpay-Serial") {
  const auto& keys = test::TestKeys::shared();
  PlatformKeys both = keys.public_key_mode();
  both.add_certificate(keys.platform.certificate);
  const std::int64_t now = 1'795'000'000;
  CHECK(verdict(both, signed_by_platform("{}", now, keys.platform.public_key_id), "{}", at(now)) == "ok");
  CHECK(verdict(both, signed_by_platform("{}", now, keys.platform.certificate_serial), "{}", at(now)) == "ok");
  CHECK(verdict(keys.public_key_mode(), signed_by_platform("{}", now, keys.platform.certificate_serial), "{}", at(now)) ==
        "unknown_serial");
  CHECK(verdict(keys.certificate_mode(), signed_by_platform("{}", now, keys.platform.public_key_id), "{}", at(now)) ==
        "unknown_serial");
  CHECK(verdict(PlatformKeys{}, signed_by_platform("{}", now, keys.platform.public_key_id), "{}", at(now)) ==
        "unknown_serial");
  // An empty 204 body verifies too.
  CHECK(verdict(both, signed_by_platform("", now, keys.platform.public_key_id), "", at(now)) == "ok");
}

TEST_CASE("the serial we announce is the public key id when there is one, else the newest certificate") {
  const auto& keys = test::TestKeys::shared();
  CHECK(keys.public_key_mode().preferred_serial() == keys.platform.public_key_id);
  CHECK(keys.certificate_mode().preferred_serial() == keys.platform.certificate_serial);
  PlatformKeys certs;
  const auto older = crypto::Certificate::from_pem(test::vector_file("java_downloaded_cert.pem")).value(); // to 2028
  const auto newer = crypto::Certificate::from_pem(test::vector_file("go_test_cert.pem")).value();         // to 2031
  certs.add_certificate(newer);
  certs.add_certificate(older);
  CHECK(certs.preferred_serial() == "D7CE59D1F522D701");
  certs.add_public_key("PUB_KEY_ID_0114232134912410000000000000000000", keys.platform.key.public_key());
  CHECK(certs.preferred_serial() == "PUB_KEY_ID_0114232134912410000000000000000000");
  CHECK(PlatformKeys{}.preferred_serial().empty());
  CHECK(PlatformKeys{}.empty());
  CHECK_FALSE(certs.empty());
}

TEST_CASE("a certificate serial is found whether or not its leading zero or its case matches") {
  // openssl (and the Go SDK) write whole bytes, "0ABC…"; Java's BigInteger.toString(16) writes "ABC…".
  const auto& keys = test::TestKeys::shared();
  const auto cert = crypto::Certificate::self_signed(keys.platform.key, "odd serial", "ABCDEF1234567",
                                                     at(1'700'000'000), at(1'900'000'000));
  REQUIRE(cert.serial_hex() == "0ABCDEF1234567");
  PlatformKeys platform;
  platform.add_certificate(cert);
  const std::int64_t now = 1'795'000'000;
  for (std::string serial : {"0ABCDEF1234567", "ABCDEF1234567", "abcdef1234567", "000ABCDEF1234567"}) {
    CAPTURE(serial);
    CHECK(platform.find(serial) != nullptr);
    CHECK(verdict(platform, signed_by_platform("{}", now, serial), "{}", at(now)) == "ok");
  }
  CHECK(platform.find("ABCDEF123456") == nullptr);
  CHECK(platform.find("") == nullptr);
  // Public key ids are compared exactly.
  PlatformKeys by_id = keys.public_key_mode();
  std::string lower = keys.platform.public_key_id;
  lower[0] = 'p';
  CHECK(by_id.find(lower) == nullptr);
}

TEST_CASE("the signature headers of an answer are read for a diagnosis, the signature itself only as present") {
  http::Headers h = v2_headers();
  h.add("Date", "Thu, 24 Jun 2021 08:37:26 GMT");
  SignatureHeaders read = SignatureHeaders::read(h);
  CHECK(read.timestamp == std::to_string(k_v2_time));
  CHECK(read.serial == "D7CE59D1F522D701");
  CHECK(read.nonce);
  CHECK(read.signature);
  CHECK_FALSE(read.probe);
  CHECK(read.date == "Thu, 24 Jun 2021 08:37:26 GMT");
  CHECK(read.missing().empty());
  read = SignatureHeaders::read(with(without(v2_headers(), "Wechatpay-Nonce"), "Wechatpay-Serial", ""));
  CHECK(read.missing() == std::vector<std::string_view>{"Wechatpay-Nonce", "Wechatpay-Serial"});
  CHECK_FALSE(read.date.has_value());
  CHECK(SignatureHeaders::read(http::Headers{}).missing().size() == 4);
  read = SignatureHeaders::read(with(v2_headers(), "Wechatpay-Serial", std::string(300, 'A')));
  CHECK(read.serial->size() == 64);
  CHECK(SignatureHeaders::read(with(v2_headers(), "Wechatpay-Signature", "WECHATPAY/SIGNTEST/x")).probe);
}
