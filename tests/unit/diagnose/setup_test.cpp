#include "diagnose/setup.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::diagnose;
using namespace std::chrono_literals;

namespace {

const TimePoint k_now = from_unix_seconds(1'795'000'000);

LocalSetup public_key_setup() {
  LocalSetup s;
  s.mchid = "1900000001";
  s.serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
  s.public_key_id = "PUB_KEY_ID_0114232134912410000000000000000000";
  s.has_public_key = true;
  s.keys_loaded = true;
  return s;
}

AnswerFacts not_found(std::string serial, TimePoint platform_now = k_now) {
  AnswerFacts a;
  a.status = 404;
  a.error_code = "NOT_FOUND";
  a.headers.serial = std::move(serial);
  a.headers.timestamp = std::to_string(unix_seconds(platform_now));
  a.headers.nonce = true;
  a.headers.signature = true;
  return a;
}

Finding find(const std::vector<Finding>& all, std::string_view check) {
  for (const auto& f : all)
    if (f.check == check) return f;
  FAIL("no finding " << check);
  return {};
}

} // namespace

TEST_CASE("an answer signed with the configured public key: accepted, public-key mode, headers and clock fine") {
  const auto s = public_key_setup();
  const auto all = diagnose_answer(s, not_found(s.public_key_id, k_now - 3s), "primary", k_now);
  for (const auto& f : all) CHECK_MESSAGE(f.status == diagnose::Status::ok, f.check << ": " << f.message);
  CHECK(find(all, "answer_key").message.find("public-key mode") != std::string::npos);
  CHECK(find(all, "clock").message.find("3 s ahead of") != std::string::npos);
  CHECK(find(all, "signature").host == "primary");
}

TEST_CASE("the mode the answer shows is compared with the config, the switch-over included") {
  auto s = public_key_setup();
  const auto cert_signed = find(diagnose_answer(s, not_found("5E6AB3B1C9D2"), "primary", k_now), "answer_key");
  CHECK(cert_signed.status == diagnose::Status::fail);
  CHECK(cert_signed.message.find("certificate mode") != std::string::npos);
  CHECK(cert_signed.next.find("certificate_files") != std::string::npos);

  s.platform_certificates.push_back({"platform.certificate_files", "/etc/wxp_cert.pem", "05E6AB3B1C9D2", k_now + 900h});
  const auto switch_over = find(diagnose_answer(s, not_found("5e6ab3b1c9d2"), "primary", k_now), "answer_key");
  CHECK(switch_over.status == diagnose::Status::ok);
  CHECK(switch_over.message.find("switch-over") != std::string::npos);

  s.has_public_key = false;
  s.public_key_id.clear();
  const auto pub_signed =
      find(diagnose_answer(s, not_found("PUB_KEY_ID_0114232134912410000000000000000000"), "primary", k_now), "answer_key");
  CHECK(pub_signed.status == diagnose::Status::fail);
  CHECK(pub_signed.message.find("public-key mode") != std::string::npos);
  CHECK(pub_signed.next.find("public_key_id = \"PUB_KEY_ID_0114232134912410000000000000000000\"") != std::string::npos);
}

TEST_CASE("missing Wechatpay headers are named and blamed on the proxy in between") {
  auto s = public_key_setup();
  s.proxy = "http://proxy.corp:3128";
  auto a = not_found(s.public_key_id);
  a.headers.signature = false;
  a.headers.nonce = false;
  const auto f = find(diagnose_answer(s, a, "backup", k_now), "headers");
  CHECK(f.status == diagnose::Status::fail);
  CHECK(f.message.find("Wechatpay-Nonce, Wechatpay-Signature") != std::string::npos);
  CHECK(f.message.find("http://proxy.corp:3128") != std::string::npos);
  CHECK_FALSE(f.network);
}

TEST_CASE("a 401 with the clocks minutes apart blames the clock, with them agreeing the mchid or certificate") {
  auto s = public_key_setup();
  auto a = not_found(s.public_key_id, k_now + 10min);
  a.status = 401;
  a.error_code = "SIGN_ERROR";
  auto all = diagnose_answer(s, a, "primary", k_now);
  CHECK(find(all, "signature").status == diagnose::Status::fail);
  CHECK(find(all, "signature").message.find("600 s behind") != std::string::npos);
  CHECK(find(all, "clock").status == diagnose::Status::fail);

  a.headers.timestamp.reset();
  a.headers.date = "Wed, 18 Nov 2026 20:26:40 GMT";
  REQUIRE(parse_http_date(*a.headers.date) == from_unix_seconds(1'795'033'600));
  CHECK(find(diagnose_answer(s, a, "primary", from_unix_seconds(1'795'033'600)), "signature").message.find(
            "or the private key is wrong; without merchant.certificate_file") != std::string::npos);
  s.merchant_certificate = CertificateFact{"merchant.certificate_file", "/etc/apiclient_cert.pem", s.serial_no, k_now + 9000h};
  const auto known = find(diagnose_answer(s, a, "primary", from_unix_seconds(1'795'033'600)), "signature");
  CHECK(known.message.find("does not know that certificate under mchid 1900000001") != std::string::npos);
}

TEST_CASE("an answer with nothing of WeChat Pay in it is a network finding, a failed connect names its step") {
  const auto s = public_key_setup();
  AnswerFacts a;
  a.status = 502;
  const auto all = diagnose_answer(s, a, "primary", k_now);
  REQUIRE(all.size() == 1);
  CHECK(all[0].network);
  Error dns = Error::make(ErrorKind::retryable, "connect", "Could not resolve host: api.mch.weixin.qq.com");
  dns.field = "resolve_host";
  const auto f = diagnose_unreachable(s, dns, "backup", "https://api2.mch.weixin.qq.com");
  CHECK(f.message.starts_with("DNS:"));
  CHECK(f.host == "backup");
  CHECK(f.network);
}

TEST_CASE("certificates are judged by expiry: expired fails, within 30 days warns, an expired spare only warns") {
  auto s = public_key_setup();
  s.merchant_certificate = CertificateFact{"merchant.certificate_file", "/m.pem", "AA", k_now + 24h * 10};
  s.platform_certificates.push_back({"platform.certificate_files", "/old.pem", "BB", k_now - 24h});
  auto all = diagnose_certificates(s, k_now);
  REQUIRE(all.size() == 2);
  CHECK(all[0].status == diagnose::Status::warn);
  CHECK(all[0].message.find("in 10 days") != std::string::npos);
  CHECK(all[1].status == diagnose::Status::warn); // the public key is still valid
  s.has_public_key = false;
  all = diagnose_certificates(s, k_now);
  CHECK(all[1].status == diagnose::Status::fail);
  s.merchant_certificate->not_after = k_now - 1s;
  CHECK(diagnose_certificates(s, k_now)[0].status == diagnose::Status::fail);
}
