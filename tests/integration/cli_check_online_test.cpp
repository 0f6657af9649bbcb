// `recharged check --online` on the real binary: the sandbox plays each set-up failure a first real call
// meets (the other mode, stripped headers, a skewed clock, an expired certificate, a backup host that is down,
// a signature the platform refuses) and the JSON report must name it, with what to do next. The command may
// only query: the sandbox must never see an apply or a close.

#include "core/file.hpp"
#include "crypto/certificate.hpp"
#include "crypto/rsa_key.hpp"
#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

RigOptions with_backup() {
  RigOptions o;
  o.sandbox.backup_host = true;
  return o;
}

void set_fault(Rig& rig, std::string_view key, std::string_view value) {
  auto c = rig.sandbox().sandbox().faults().config();
  REQUIRE(sandbox::set_fault(c, key, value).ok());
  rig.sandbox().sandbox().faults().set_config(c);
}

struct Report {
  RunResult run;
  json findings;

  // The finding for `check` (and `host`, "" for local ones); {} when absent.
  [[nodiscard]] json at(const std::string& check, const std::string& host = "") const {
    for (const auto& f : findings)
      if (f["check"] == check && f.value("host", "") == host) return f;
    return json::object();
  }
  [[nodiscard]] bool says(const std::string& check, const std::string& host, const std::string& text) const {
    const json f = at(check, host);
    return f.contains("message") && f["message"].get<std::string>().find(text) != std::string::npos;
  }
  [[nodiscard]] int exit_code() const { return run.status.exited(0) ? 0 : run.status.code; }
};

Report check_online(Rig& rig) {
  Report r{rig.cli({"check", "--online", "--json"}), {}};
  INFO(r.run.err);
  r.findings = json::parse(r.run.out);
  return r;
}

// Writes a fresh merchant key and a certificate over it (serial `serial`) into the rig directory.
fs::path other_merchant(Rig& rig, const std::string& serial) {
  const auto key = crypto::PrivateKey::generate(2048);
  const TimePoint now = rig.clock().now();
  const auto cert = crypto::Certificate::self_signed(key, "other merchant", serial, now - std::chrono::hours{24},
                                                     now + std::chrono::hours{24 * 365});
  rig.config().private_key_file =
      rig.dir().write("other_key.pem", key.to_pem(), fs::perms::owner_read | fs::perms::owner_write);
  rig.config().serial_no = cert.serial_hex();
  return rig.dir().write("other_cert.pem", cert.to_pem());
}

} // namespace

TEST_CASE("check --online on a sound set-up: both hosts accept our signature and their answers verify") {
  Rig rig(with_backup());
  const auto r = check_online(rig);
  INFO(r.run.out);
  CHECK(r.exit_code() == 0);
  for (const std::string host : {"primary", "backup"}) {
    CAPTURE(host);
    for (const std::string check : {"network", "signature", "answer_key", "headers", "clock", "answer_signature"})
      CHECK_MESSAGE(r.at(check, host)["status"] == "ok", check);
  }
  CHECK(r.says("answer_key", "primary", "public-key mode"));
  CHECK(r.says("signature", "primary", "HTTP 404 NOT_FOUND"));
  CHECK(r.at("certificates")["status"] == "ok");

  // Nothing but queries reached the platform, one per host (read through the sandbox's own control API).
  const auto stats = http_get(rig.sandbox().base().port, "/sandbox/stats");
  REQUIRE(stats.status == 200);
  const json s = json::parse(stats.body);
  INFO(stats.body);
  CHECK_FALSE(s["calls"].contains("apply"));
  CHECK_FALSE(s["calls"].contains("close"));
  CHECK(s["calls"]["query"]["404"] == 2);
  CHECK(s["hosts"]["primary"] == 1);
  CHECK(s["hosts"]["backup"] == 1);
  CHECK(s["platform"]["apply_calls"] == 0);
}

TEST_CASE("answers signed in the other mode are diagnosed, and the switch-over with both keys passes") {
  Rig rig;
  const fs::path current = rig.sandbox().state().file(sandbox::k_platform_cert_file);
  set_fault(rig, "sign_with", "certificate");
  auto r = check_online(rig); // the config holds only the public key
  CHECK(r.exit_code() == 3);
  CHECK(r.at("signature", "primary")["status"] == "ok");
  CHECK(r.at("answer_key", "primary")["status"] == "fail");
  CHECK(r.says("answer_key", "primary", "the merchant is still in certificate mode"));
  CHECK(r.at("answer_key", "primary")["next"].get<std::string>().find("certificate_files") != std::string::npos);
  CHECK(r.at("answer_signature", "primary")["status"] == "fail");

  rig.config().platform_certificates = {current}; // both configured: the switch-over
  rig.write_config();
  r = check_online(rig);
  CHECK(r.exit_code() == 0);
  CHECK(r.at("answer_key", "primary")["status"] == "ok");
  CHECK(r.says("answer_key", "primary", "switch-over"));
  CHECK(r.at("answer_signature", "primary")["status"] == "ok");

  set_fault(rig, "sign_with", "public_key");
  rig.config().public_key = false; // certificates only, while the platform signs with its public key
  rig.write_config();
  r = check_online(rig);
  CHECK(r.exit_code() == 3);
  CHECK(r.says("answer_key", "primary", "the merchant is in public-key mode"));
  CHECK(r.at("answer_key", "primary")["next"].get<std::string>().find(rig.sandbox().public_key_id()) !=
        std::string::npos);
}

TEST_CASE("Wechatpay headers dropped on the way are named, with the proxy as the likely cause") {
  Rig rig;
  set_fault(rig, "strip_headers", "Wechatpay-Signature,Wechatpay-Nonce");
  const auto r = check_online(rig);
  CHECK(r.exit_code() == 3);
  const json f = r.at("headers", "primary");
  CHECK(f["status"] == "fail");
  CHECK(r.says("headers", "primary", "Wechatpay-Nonce, Wechatpay-Signature"));
  CHECK(r.says("headers", "primary", "proxy"));
  CHECK(r.at("signature", "primary")["status"] == "ok");
  CHECK(r.at("answer_signature", "primary")["next"] == "see headers");
}

TEST_CASE("a clock beyond 300 s is blamed for the 401, and one within it is a warning") {
  Rig rig;
  set_fault(rig, "clock_offset", "-10m"); // the platform's clock is ten minutes behind ours
  auto r = check_online(rig);
  CHECK(r.exit_code() == 3);
  CHECK(r.at("signature", "primary")["status"] == "fail");
  CHECK(r.says("signature", "primary", "ahead of WeChat Pay's, beyond the 300 s it accepts"));
  CHECK(r.at("clock", "primary")["status"] == "fail");
  CHECK(r.at("clock", "primary")["next"].get<std::string>().find("timedatectl") != std::string::npos);

  set_fault(rig, "clock_offset", "4m");
  r = check_online(rig);
  CHECK(r.exit_code() == 0);
  CHECK(r.at("signature", "primary")["status"] == "ok");
  CHECK(r.at("clock", "primary")["status"] == "warn");
  CHECK(r.says("clock", "primary", "behind WeChat Pay's"));
}

TEST_CASE("an expired platform certificate is reported, and the newer one the platform signs with is asked for") {
  Rig rig;
  set_fault(rig, "sign_with", "certificate");
  rig.config().public_key = false;
  rig.config().platform_certificates = {rig.sandbox().state().file(sandbox::k_platform_expired_cert_file)};
  rig.write_config();
  const auto r = check_online(rig);
  CHECK(r.exit_code() == 3);
  bool expired = false;
  for (const auto& f : r.findings)
    if (f["check"] == "certificates" && f["message"].get<std::string>().find("expired on") != std::string::npos) {
      expired = true;
      CHECK(f["status"] == "fail");
    }
  CHECK(expired);
  CHECK(r.says("answer_key", "primary", "WeChat Pay has a newer certificate"));
}

TEST_CASE("a backup host that is down is reported for the backup alone") {
  Rig rig(with_backup());
  set_fault(rig, "backup_host", "down");
  const auto r = check_online(rig);
  CHECK(r.exit_code() == 0); // the primary works: only the failover is lost
  CHECK(r.at("network", "primary")["status"] == "ok");
  CHECK(r.at("network", "backup")["status"] == "warn");
  CHECK(r.says("network", "backup", "cannot connect to http://127.0.0.1:"));
  CHECK(r.says("network", "backup", "no failover"));
  CHECK(r.at("signature", "backup").empty());
}

TEST_CASE("a primary host that refuses connections fails with exit 5, the network named as the cause") {
  Rig rig;
  rig.write_config();
  rig.sandbox().sandbox().stop();
  const auto r = check_online(rig);
  CHECK(r.exit_code() == 5);
  CHECK(r.at("network", "primary")["status"] == "fail");
  CHECK(r.says("network", "primary", "cannot connect"));
}

TEST_CASE("a merchant key and serial the platform does not know: the 401 is traced to mchid or certificate") {
  Rig rig;
  rig.config().certificate_file = other_merchant(rig, "7A11CE");
  rig.write_config();
  auto r = check_online(rig);
  CHECK(r.exit_code() == 3);
  CHECK(r.at("keys")["status"] == "ok"); // locally consistent: key, certificate and serial agree
  CHECK(r.at("signature", "primary")["status"] == "fail");
  CHECK(r.says("signature", "primary", "does not know that certificate under mchid"));
  CHECK(r.at("clock", "primary")["status"] == "ok");

  // Without the merchant certificate nothing ties key and serial together: the report says it cannot tell.
  rig.config().merchant_certificate = false;
  rig.config().private_key_file.clear();
  rig.config().serial_no = "0123456789ABCDEF";
  rig.write_config();
  r = check_online(rig);
  CHECK(r.exit_code() == 3);
  CHECK(r.says("signature", "primary", "without merchant.certificate_file recharged cannot tell which"));

  // The right key and certificate under another mchid.
  rig.config().merchant_certificate = true;
  rig.config().certificate_file.clear();
  rig.config().serial_no.clear();
  rig.config().mchid = "1900000999";
  rig.write_config();
  r = check_online(rig);
  CHECK(r.exit_code() == 3);
  CHECK(r.says("signature", "primary", "under mchid 1900000999"));

  const auto s = rig.sandbox().sandbox().server().stats();
  CHECK_FALSE(s.calls.contains("apply"));
  CHECK_FALSE(s.calls.contains("close"));
}
