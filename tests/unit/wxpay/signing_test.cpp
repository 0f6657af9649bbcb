#include "wxpay/signing.hpp"

#include "core/file.hpp"
#include "crypto/base64.hpp"
#include "tests/support/command.hpp"
#include "tests/support/keys.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/vectors.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <vector>
#include <string>

using namespace recharged;
using namespace recharged::wxpay;
using test::run_command;
using test::shell_quote;

namespace {

crypto::PrivateKey go_key() { return crypto::PrivateKey::from_pem(test::vector_file("go_test_key.pem")).value(); }

} // namespace

TEST_CASE("V7: the request message for a GET is five lines with an empty body line") {
  CHECK(request_message(http::Method::get, "/v3/pay/transactions/id/1217752501201407033233368018?mchid=1230000109",
                        1652750623, "eBYqCOxa0QudMnPvVilkTzOg3gHh5Z3u", "") ==
        "GET\n/v3/pay/transactions/id/1217752501201407033233368018?mchid=1230000109\n1652750623\n"
        "eBYqCOxa0QudMnPvVilkTzOg3gHh5Z3u\n\n");
}

TEST_CASE("the official example message for GET /v3/certificates is reproduced exactly") {
  CHECK(request_message(http::Method::get, "/v3/certificates", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", "") ==
        "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n");
}

TEST_CASE("a POST message carries the exact body bytes, a body ending in a newline gets one more") {
  CHECK(request_message(http::Method::post, "/v3/platsolution/ecommerce/recharges/apply", 1, "N", "{\"a\":1}") ==
        "POST\n/v3/platsolution/ecommerce/recharges/apply\n1\nN\n{\"a\":1}\n");
  CHECK(request_message(http::Method::post, "/p", 1, "N", "{}\n") == "POST\n/p\n1\nN\n{}\n\n");
  // The body-less close POST signs an empty fifth line.
  CHECK(request_message(http::Method::post, "/v3/platsolution/ecommerce/recharges/out-recharge-no/cz1/close?sub_mchid=1",
                        1700000000, "N", "")
            .ends_with("\n1700000000\nN\n\n"));
}

TEST_CASE("the response message is timestamp, nonce and body, each ending in a newline") {
  CHECK(response_message("1624523846", "EcZ9", "{}") == "1624523846\nEcZ9\n{}\n");
  CHECK(response_message("1624523846", "EcZ9", "") == "1624523846\nEcZ9\n\n"); // 204 No Content
}

TEST_CASE("the Authorization header has the scheme, one space and five quoted pairs without spaces") {
  const auto& keys = test::TestKeys::shared();
  const auto auth = keys.signer().authorization(http::Method::get, "/v3/x?y=1", "", 1700000000, "NONCE123").value();
  const std::regex shape(R"re(WECHATPAY2-SHA256-RSA2048 mchid="(\d+)",nonce_str="NONCE123",timestamp="1700000000",)re"
                         R"re(serial_no="([0-9A-F]+)",signature="([A-Za-z0-9+/]+={0,2})")re");
  std::smatch m;
  REQUIRE(std::regex_match(auth, m, shape));
  CHECK(m[1] == keys.merchant.mchid);
  CHECK(m[2] == keys.merchant.serial_no);
  const auto sig = crypto::base64_decode(m[3].str()).value();
  CHECK(sig.size() == 256);
  const auto message = request_message(http::Method::get, "/v3/x?y=1", 1700000000, "NONCE123", "");
  CHECK(keys.merchant.certificate.public_key().verify_sha256(message, sig));
  CHECK_FALSE(keys.merchant.certificate.public_key().verify_sha256(message + "x", sig));
}

TEST_CASE("with the Go SDK key, our Authorization signature equals openssl's dgst -sha256 -sign | base64 -A") {
  test::TempDir dir;
  const RequestSigner signer("1234567890", "F5765756002FDD77", go_key());
  const std::string body = R"({"sub_mchid":"1900000110","remark":"充值"})";
  const std::string target = "/v3/platsolution/ecommerce/recharges/apply";
  const auto auth = signer.authorization(http::Method::post, target, body, 1700000000, "abc").value();
  const auto msg = dir.write("msg", request_message(http::Method::post, target, 1700000000, "abc", body));
  const auto cli = run_command("openssl dgst -sha256 -sign " + shell_quote(test::vector_path("go_test_key.pem").string()) +
                               " " + shell_quote(msg.string()) + " | openssl base64 -A");
  REQUIRE(cli.exit_code == 0);
  CHECK(auth.ends_with(",signature=\"" + cli.output + "\""));
  CHECK(auth.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1234567890\",nonce_str=\"abc\",timestamp=\"1700000000\","
                         "serial_no=\"F5765756002FDD77\","));
}

TEST_CASE("openssl dgst -verify accepts the signature of a generated merchant key's Authorization") {
  test::TempDir dir;
  const auto& keys = test::TestKeys::shared();
  const auto auth = keys.signer().authorization(http::Method::post, "/p", "{}", 42, "n").value();
  const auto fields = parse_authorization(auth).value();
  const auto pub = dir.write("pub.pem", keys.merchant.key.public_key().to_pem());
  const auto sig = dir.write("sig", crypto::base64_decode(fields.signature).value());
  const auto msg = dir.write("msg", request_message(http::Method::post, "/p", 42, "n", "{}"));
  const auto verify = run_command("openssl dgst -sha256 -verify " + shell_quote(pub.string()) + " -signature " +
                                  shell_quote(sig.string()) + " " + shell_quote(msg.string()));
  CHECK(verify.exit_code == 0);
  CHECK(verify.output.find("Verified OK") != std::string::npos);
}

TEST_CASE("Authorization headers parse in the field orders the SDKs use") {
  const std::string expected_sig = "uOVRnA4qG/IUFluw==";
  for (std::string header :
       {R"(WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593B",timestamp="1554208460",serial_no="1DDE",signature="uOVRnA4qG/IUFluw==")",
        R"(WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593B",signature="uOVRnA4qG/IUFluw==",timestamp="1554208460",serial_no="1DDE")",
        R"(WECHATPAY2-SHA256-RSA2048 mchid="1900009191",serial_no="1DDE",timestamp="1554208460",nonce_str="593B",signature="uOVRnA4qG/IUFluw==")"}) {
    CAPTURE(header);
    auto f = parse_authorization(header);
    REQUIRE(f.ok());
    CHECK(f->mchid == "1900009191");
    CHECK(f->nonce_str == "593B");
    CHECK(f->timestamp == "1554208460");
    CHECK(f->serial_no == "1DDE");
    CHECK(f->signature == expected_sig);
  }
}

TEST_CASE("malformed Authorization headers are refused as SIGN_ERROR with the rule") {
  const std::string ok = R"(mchid="1",nonce_str="n",timestamp="1",serial_no="S",signature="c2ln")";
  const std::vector<std::string> bad_headers = {"", "WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SHA256-RSA2048 ", "Bearer " + ok,
                          "wechatpay2-sha256-rsa2048 " + ok, "WECHATPAY2-SHA256-RSA2048  " + ok,
                          "WECHATPAY2-SHA256-RSA2048" + ok,
                          R"(WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="S")",
                          R"(WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="1",nonce_str="n",timestamp="1",serial_no="S",signature="c")",
                          R"(WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="S",signature="c",extra="x")",
                          R"(WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="n",timestamp="1",serial_no="S",signature="c")",
                          R"(WECHATPAY2-SHA256-RSA2048 mchid="1", nonce_str="n",timestamp="1",serial_no="S",signature="c")",
                          R"(WECHATPAY2-SHA256-RSA2048 mchid="",nonce_str="n",timestamp="1",serial_no="S",signature="c")",
                          R"(WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="S",signature="c)"};
  for (const auto& bad : bad_headers) {
    CAPTURE(bad);
    auto f = parse_authorization(bad);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().code == "SIGN_ERROR");
  }
}

TEST_CASE("sign_response writes the five Wechatpay headers over timestamp, nonce and body") {
  const auto& keys = test::TestKeys::shared();
  http::Headers h;
  sign_response(keys.platform.key, keys.platform.public_key_id, "{\"a\":1}", 1700000000, "NONCE", h);
  CHECK(h.get("Wechatpay-Timestamp") == "1700000000");
  CHECK(h.get("Wechatpay-Nonce") == "NONCE");
  CHECK(h.get("Wechatpay-Serial") == keys.platform.public_key_id);
  CHECK(h.get("Wechatpay-Signature-Type") == "WECHATPAY2-SHA256-RSA2048");
  const auto sig = crypto::base64_decode(*h.get("Wechatpay-Signature")).value();
  CHECK(keys.platform.key.public_key().verify_sha256("1700000000\nNONCE\n{\"a\":1}\n", sig));
  // Signing again replaces, never duplicates, the headers.
  sign_response(keys.platform.key, keys.platform.public_key_id, "{}", 1700000001, "N2", h);
  CHECK(h.all().size() == 5);
  CHECK(h.get("Wechatpay-Nonce") == "N2");
}
