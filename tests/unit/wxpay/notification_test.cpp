#include "wxpay/notification.hpp"

#include "crypto/random.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/vectors.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/signing.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::wxpay;

namespace {

constexpr std::int64_t k_now = 1'795'000'000;
const TimePoint k_now_tp = from_unix_seconds(k_now);

MchDeposit paid_order() {
  MchDeposit d;
  d.sp_mchid = "1900000109";
  d.sub_mchid = "1900000110";
  d.recharge_id = "100000202611230012345678";
  d.out_recharge_no = "CZ20261123A1";
  d.recharge_channel = RechargeChannel::qr_recharge;
  d.account_type = AccountType::deposit;
  d.recharge_state = RechargeState::success;
  d.recharge_scene = RechargeScene::ecommerce_deposit;
  d.recharge_amount = Amount{10'000, "CNY"};
  d.accept_time = from_unix_seconds(k_now - 600);
  d.success_time = from_unix_seconds(k_now - 60);
  d.remark = "备注";
  return d;
}

// A notification body as the platform sends it: `plaintext` sealed with the APIv3 key into the envelope.
std::string envelope(std::string_view event_type, std::string_view plaintext, std::string associated_data = "",
                     std::string_view apiv3_key = test::TestKeys::shared().apiv3_key) {
  Notification n;
  n.id = "EV-2026112317300001";
  n.create_time = k_now_tp;
  n.event_type = std::string(event_type);
  n.resource_type = "encrypt-resource";
  n.summary = "充值成功";
  n.resource = seal_resource(apiv3_key, "recharge", plaintext, crypto::random_alnum(12), std::move(associated_data)).value();
  return encode(n);
}

http::Headers platform_signed(std::string_view body, std::int64_t ts = k_now) {
  const auto& keys = test::TestKeys::shared();
  http::Headers h;
  sign_response(keys.platform.key, keys.platform.public_key_id, body, ts, crypto::random_alnum(32), h);
  return h;
}

Result<OpenedNotification> open(std::string_view body, const http::Headers& headers,
                                 std::string_view apiv3_key = test::TestKeys::shared().apiv3_key) {
  return open_notification(test::TestKeys::shared().public_key_mode(), apiv3_key, headers, body, k_now_tp);
}

} // namespace

TEST_CASE("a signed RECHARGE.SUCCESS notification opens to the order it carries") {
  const std::string plain = encode(paid_order());
  const std::string body = envelope(k_event_success, plain, "recharge");
  auto opened = open(body, platform_signed(body));
  REQUIRE(opened.ok());
  CHECK(opened->envelope.event_type == "RECHARGE.SUCCESS");
  CHECK(opened->envelope.id == "EV-2026112317300001");
  CHECK(opened->envelope.resource.algorithm == "AEAD_AES_256_GCM");
  CHECK(opened->plaintext == plain);
  const auto order = decode_mch_deposit(opened->plaintext);
  REQUIRE(order.ok());
  CHECK(order->out_recharge_no == "CZ20261123A1");
  CHECK(order->recharge_amount.amount == 10'000);
  CHECK(order->remark == "备注");
}

TEST_CASE("empty associated data, as recharge notices may carry, opens") {
  const std::string body = envelope(k_event_closed, "{\"x\":1}");
  auto opened = open(body, platform_signed(body));
  REQUIRE(opened.ok());
  CHECK(opened->envelope.resource.associated_data.empty());
  CHECK(opened->plaintext == "{\"x\":1}");
}

TEST_CASE("a RECHARGE.FUND_RETURNED notification opens to its fund-returned resource") {
  FundReturned f;
  f.recharge_returned_id = "10171652448612345612345678";
  f.sp_mchid = "1900000109";
  f.sub_mchid = "1900000110";
  f.out_recharge_no = "CZ20261123A1";
  f.recharge_id = "100000202611230012345678";
  f.recharge_channel = RechargeChannel::bank_transfer;
  f.amount = Amount{10'000, "CNY"};
  f.return_reason = "充值金额与充值单要求不一致";
  const std::string body = envelope(k_event_fund_returned, encode(f));
  auto opened = open(body, platform_signed(body));
  REQUIRE(opened.ok());
  const auto back = decode_fund_returned(opened->plaintext);
  REQUIRE(back.ok());
  CHECK(back->return_reason == f.return_reason);
  CHECK(back->amount == f.amount);
}

TEST_CASE("nothing is decrypted when the signature fails: tampered body, probe, stale or unsigned") {
  const std::string body = envelope(k_event_success, encode(paid_order()));
  const auto headers = platform_signed(body);
  std::string tampered = body;
  tampered.replace(tampered.find("EV-"), 3, "XX-");
  auto a = open(tampered, headers);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().code == "signature");
  CHECK(a.error().field == "mismatch");
  http::Headers probe = headers;
  probe.set("Wechatpay-Signature", "WECHATPAY/SIGNTEST/" + std::string(*headers.get("Wechatpay-Signature")));
  CHECK(open(body, probe).error().field == "probe");
  CHECK(open(body, platform_signed(body, k_now - 300)).error().field == "clock_skew");
  CHECK(open(body, http::Headers{}).error().field == "missing_header");
}

TEST_CASE("a wrong APIv3 key or a tampered ciphertext fails as decrypt after a good signature") {
  const std::string body = envelope(k_event_success, encode(paid_order()));
  auto wrong_key = open(body, platform_signed(body), crypto::random_alnum(32));
  REQUIRE_FALSE(wrong_key.ok());
  CHECK(wrong_key.error().code == "decrypt");
  auto short_key = open(body, platform_signed(body), "testMchAPIv3Key0");
  REQUIRE_FALSE(short_key.ok());
  CHECK(short_key.error().code == "decrypt");
  CHECK(short_key.error().message.find("32 bytes") != std::string::npos);
  auto n = decode_notification(body).value();
  n.resource.ciphertext[5] = n.resource.ciphertext[5] == 'A' ? 'B' : 'A';
  const std::string forged = encode(n);
  auto bad_text = open(forged, platform_signed(forged));
  REQUIRE_FALSE(bad_text.ok());
  CHECK(bad_text.error().code == "decrypt");
  n.resource.ciphertext = "***";
  const std::string not_b64 = encode(n);
  CHECK(open(not_b64, platform_signed(not_b64)).error().code == "decrypt");
}

TEST_CASE("another algorithm or a malformed envelope is refused even when signed") {
  auto n = decode_notification(envelope(k_event_success, "{}")).value();
  n.resource.algorithm = "AEAD_AES_128_GCM";
  const std::string other = encode(n);
  auto r = open(other, platform_signed(other));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "algorithm");
  for (std::string body : {std::string("not json"), std::string("{\"id\":\"1\",\"event_type\":\"RECHARGE.SUCCESS\"}"),
                           std::string()}) {
    auto m = open(body, platform_signed(body));
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().code == "malformed");
  }
}

TEST_CASE("V2: the Go SDK notification verifies, then is refused because its APIv3 key has 16 bytes") {
  // Body and headers as in verifier_test.cpp; only the key-size rule stops it, after verification passed.
  const std::string body =
      R"({"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00",)"
      R"("resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功",)"
      R"("resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM",)"
      R"("ciphertext":"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt)"
      R"(tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR)"
      R"(7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==","associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}})";
  http::Headers h;
  h.add("Wechatpay-Nonce", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz");
  h.add("Wechatpay-Timestamp", "1624523846");
  h.add("Wechatpay-Serial", "D7CE59D1F522D701");
  h.add("Wechatpay-Signature",
        "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9"
        "++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZ"
        "RU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZK"
        "NiKRACrFmtxw2Q==");
  PlatformKeys keys;
  keys.add_certificate(crypto::Certificate::from_pem(test::vector_file("go_test_cert.pem")).value());
  auto r = open_notification(keys, "testMchAPIv3Key0", h, body, from_unix_seconds(1624523846));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "decrypt");
  CHECK(r.error().message.find("32 bytes") != std::string::npos);
  // One minute later than the 5-minute window, the same notification fails earlier, on its timestamp.
  auto late = open_notification(keys, "testMchAPIv3Key0", h, body, from_unix_seconds(1624523846 + 360));
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().field == "clock_skew");
}

TEST_CASE("seal_resource refuses an APIv3 key that is not 32 bytes") {
  CHECK_FALSE(seal_resource("short", "recharge", "{}", "0123456789ab", "").ok());
  const auto r = seal_resource(test::TestKeys::shared().apiv3_key, "recharge", "{}", "0123456789ab", "x").value();
  CHECK(r.algorithm == "AEAD_AES_256_GCM");
  CHECK(r.original_type == "recharge");
  CHECK(r.nonce == "0123456789ab");
  CHECK(r.associated_data == "x");
}
