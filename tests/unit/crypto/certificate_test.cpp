#include "crypto/certificate.hpp"

#include "tests/support/command.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/vectors.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::crypto;
using namespace std::chrono;
using test::run_command;
using test::shell_quote;

namespace {

Certificate vector_cert(std::string_view name) { return Certificate::from_pem(test::vector_file(name)).value(); }

// "serial=…" as printed by `openssl x509 -noout -serial`, without the prefix and newline.
std::string openssl_serial(const std::filesystem::path& pem) {
  const auto r = run_command("openssl x509 -noout -serial -in " + shell_quote(pem.string()));
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.output.starts_with("serial="));
  std::string s = r.output.substr(7);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TimePoint utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return TimePoint{sys_days{year{y} / static_cast<int>(mo) / static_cast<int>(d)} + hours{h} + minutes{mi} + seconds{s}};
}

} // namespace

TEST_CASE("the SDK certificates report the serials the SDKs use") {
  CHECK(vector_cert("go_test_cert.pem").serial_hex() == "D7CE59D1F522D701");
  CHECK(vector_cert("java_merchant_certificate.pem").serial_hex() == "5F1C72E2A8931B72A2E13AF8DEE92471EB397115");
  CHECK(vector_cert("java_wechat_pay_certificate.pem").serial_hex() == "440024045C4A427599D09BB4E3DE0279F2E813FD");
  CHECK(vector_cert("java_downloaded_cert.pem").serial_hex() == "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC");
}

TEST_CASE("serial_hex prints what openssl x509 -serial prints for every vector certificate") {
  for (const char* name : {"go_test_cert.pem", "java_merchant_certificate.pem", "java_wechat_pay_certificate.pem",
                           "java_downloaded_cert.pem"}) {
    CAPTURE(std::string(name));
    CHECK(vector_cert(name).serial_hex() == openssl_serial(test::vector_path(name)));
  }
}

TEST_CASE("V2's certificate is valid from 2021-04-27 to 2031-04-25 and holds the V1 public key") {
  const auto cert = vector_cert("go_test_cert.pem");
  CHECK(cert.not_before() == utc(2021, 4, 27, 8, 55, 23));
  CHECK(cert.not_after() == utc(2031, 4, 25, 8, 55, 23));
  CHECK(cert.public_key().same_key(PublicKey::from_pem(test::vector_file("go_test_pubkey.pem")).value()));
}

TEST_CASE("V6's downloaded platform certificate is valid from 2023-09-19 to 2028-09-17") {
  const auto cert = vector_cert("java_downloaded_cert.pem");
  CHECK(format_rfc3339(cert.not_before()) == "2023-09-19T23:15:58+08:00");
  CHECK(format_rfc3339(cert.not_after()) == "2028-09-17T23:15:58+08:00");
}

TEST_CASE("a self-signed certificate carries its serial, dates and key, and openssl verifies it") {
  test::TempDir dir;
  const auto key = PrivateKey::generate();
  const auto from = utc(2026, 1, 1, 0, 0, 0);
  const auto to = utc(2031, 1, 1, 0, 0, 0);
  const auto cert = Certificate::self_signed(key, "1900000109_20260101 测试商户", "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
                                             from, to);
  CHECK(cert.serial_hex() == "5F1C72E2A8931B72A2E13AF8DEE92471EB397115");
  CHECK(cert.not_before() == from);
  CHECK(cert.not_after() == to);
  CHECK(cert.public_key().same_key(key.public_key()));
  const auto path = dir.write("cert.pem", cert.to_pem());
  CHECK(openssl_serial(path) == cert.serial_hex());
  const auto verify = run_command("openssl verify -no_check_time -CAfile " + shell_quote(path.string()) + " " +
                                  shell_quote(path.string()) + " 2>&1");
  CHECK(verify.exit_code == 0);
  const auto pub = run_command("openssl x509 -noout -pubkey -in " + shell_quote(path.string()));
  CHECK(pub.output == key.public_key().to_pem());
  // The PEM reloads to the same certificate.
  CHECK(Certificate::from_pem(cert.to_pem()).value().serial_hex() == cert.serial_hex());
}

TEST_CASE("a serial with an odd number of hex digits prints like openssl prints it") {
  test::TempDir dir;
  const auto key = PrivateKey::generate();
  const auto cert = Certificate::self_signed(key, "odd", "ABC", utc(2026, 1, 1, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0));
  const auto path = dir.write("odd.pem", cert.to_pem());
  CHECK(cert.serial_hex() == openssl_serial(path));
  CHECK(cert.serial_hex() == "0ABC");
}

TEST_CASE("a certificate loaded as a public key gives the certificate's key") {
  const std::string pem = test::vector_file("java_wechat_pay_certificate.pem");
  const auto from_cert = PublicKey::from_pem(pem).value();
  CHECK(from_cert.same_key(Certificate::from_pem(pem).value().public_key()));
  CHECK(from_cert.same_key(PublicKey::from_pem(test::vector_file("java_wechat_pay_public_key.pem")).value()));
}

TEST_CASE("garbage and key files are not certificates") {
  for (const std::string& bad : {std::string(), std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                                test::vector_file("go_test_pubkey.pem"), test::vector_file("go_test_key.pem")}) {
    auto cert = Certificate::from_pem(bad);
    REQUIRE_FALSE(cert.ok());
    CHECK(cert.error().kind == ErrorKind::invalid_input);
  }
}
