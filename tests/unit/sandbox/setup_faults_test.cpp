// The set-up failures the sandbox plays for `recharged check --online`: answers signed in the other mode,
// Wechatpay-* headers stripped on the way, a platform clock minutes off, a backup host that refuses connections.

#include "sandbox/faults.hpp"
#include "sandbox/server.hpp"

#include "core/file.hpp"
#include "crypto/certificate.hpp"
#include "tests/support/sandbox_fixture.hpp"
#include "tests/unit/sandbox/raw_client.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"
#include "wxpay/verifier.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::sandbox_test;
using namespace std::chrono_literals;

namespace {

struct SetupRig {
  ManualClock clock{sh("2026-11-23T10:00:00")};
  test::SandboxFixture sandbox;
  RawClient raw;

  explicit SetupRig(test::SandboxFixtureOptions options = {}) : sandbox(clock, std::move(options)), raw(sandbox, clock) {}

  void set(std::string_view key, std::string_view value) {
    sandbox::FaultConfig c = sandbox.sandbox().faults().config();
    REQUIRE(sandbox::set_fault(c, key, value).ok());
    sandbox.sandbox().faults().set_config(c);
  }
  http::Response query(const std::string& no = "RC404") {
    return raw.send({http::Method::get, query_target(no, sandbox.sub_mchid())});
  }
  const sandbox::PlatformIdentity& platform() const { return sandbox.state().platform; }
};

// The platform certificate the sandbox signs with in certificate mode, as a merchant would configure it.
wxpay::PlatformKeys certificate_keys(const test::SandboxFixture& sandbox) {
  auto pem = read_file(sandbox.state().file(sandbox::k_platform_cert_file));
  REQUIRE(pem.ok());
  auto cert = crypto::Certificate::from_pem(*pem);
  REQUIRE(cert.ok());
  wxpay::PlatformKeys keys;
  keys.add_certificate(*cert);
  return keys;
}

} // namespace

TEST_CASE("in certificate mode answers are signed under the platform certificate's serial, which verifies") {
  SetupRig rig;
  rig.set("sign_with", "certificate");
  const auto answer = rig.query();
  CHECK(answer.status == 404);
  CHECK(answer.headers.get("Wechatpay-Serial") == rig.platform().certificate_serial);
  CHECK(wxpay::verify_signature(certificate_keys(rig.sandbox), answer.headers, answer.body, rig.clock.now()).ok());
  CHECK(wxpay::verify_signature(rig.sandbox.platform_keys(), answer.headers, answer.body, rig.clock.now()).error().field ==
        "unknown_serial");
  rig.set("sign_with", "public_key");
  CHECK(rig.query().headers.get("Wechatpay-Serial") == rig.sandbox.public_key_id());
}

TEST_CASE("a request may announce any of the platform's keys in Wechatpay-Serial, the expired certificate too") {
  SetupRig rig;
  for (const std::string& serial : {rig.platform().certificate_serial, rig.platform().expired_certificate_serial,
                                   rig.sandbox.public_key_id()}) {
    CAPTURE(serial);
    RawRequest r{http::Method::get, query_target("RC404", rig.sandbox.sub_mchid())};
    r.wechatpay_serial = serial;
    CHECK(rig.raw.send(r).status == 404);
  }
  CHECK_FALSE(rig.platform().certificate_serial.empty());
  CHECK(rig.platform().certificate_serial != rig.platform().expired_certificate_serial);
}

TEST_CASE("stripped headers are missing from every answer, as behind a proxy that drops them") {
  SetupRig rig;
  rig.set("strip_headers", "wechatpay-signature,Wechatpay-Nonce");
  CHECK(rig.sandbox.sandbox().faults().config().strip_headers ==
        std::vector<std::string>{"Wechatpay-Signature", "Wechatpay-Nonce"});
  auto answer = rig.query();
  CHECK(answer.status == 404);
  CHECK_FALSE(answer.headers.get("Wechatpay-Signature").has_value());
  CHECK_FALSE(answer.headers.get("Wechatpay-Nonce").has_value());
  CHECK(answer.headers.get("Wechatpay-Timestamp").has_value());
  CHECK(answer.headers.get("Wechatpay-Serial").has_value());
  CHECK(answer.headers.get("Request-ID").has_value());
  rig.set("strip_headers", "all");
  answer = rig.query();
  for (const auto& name : sandbox::signature_header_names()) CHECK_FALSE(answer.headers.get(name).has_value());
  CHECK(answer.headers.get("Request-ID").has_value());
  rig.set("strip_headers", "none");
  answer = rig.query();
  CHECK(wxpay::verify_signature(rig.sandbox.platform_keys(), answer.headers, answer.body, rig.clock.now()).ok());
}

TEST_CASE("a platform clock minutes off stamps its answers with its own time and refuses requests beyond 300 s") {
  SetupRig rig;
  rig.set("clock_offset", "4m");
  auto answer = rig.query();
  CHECK(answer.status == 404); // 240 s: inside the platform's window
  CHECK(answer.headers.get("Wechatpay-Timestamp") == std::to_string(unix_seconds(rig.clock.now()) + 240));
  CHECK(answer.headers.get("Date") == "Mon, 23 Nov 2026 02:04:00 GMT");
  rig.set("clock_offset", "-10m");
  answer = rig.query();
  CHECK(answer.status == 401);
  CHECK(answer.body.find("SIGN_ERROR") != std::string::npos);
  CHECK(answer.headers.get("Wechatpay-Timestamp") == std::to_string(unix_seconds(rig.clock.now()) - 600));
  CHECK(answer.headers.get("Date") == "Mon, 23 Nov 2026 01:50:00 GMT");
  // Still signed: the stamp is trustworthy even on a refusal.
  const Status verified =
      wxpay::verify_signature(rig.sandbox.platform_keys(), answer.headers, answer.body, rig.clock.now() - 10min);
  CHECK(verified.ok());
}

TEST_CASE("the backup host serves the same platform until it is taken down, and answers again when it is up") {
  test::SandboxFixtureOptions o;
  o.backup_host = true;
  SetupRig rig(o);
  REQUIRE(rig.sandbox.backup_base().port != 0);
  CHECK(rig.sandbox.backup_base().port != rig.sandbox.base().port);
  http::CurlOptions to_backup = rig.sandbox.curl_options();
  to_backup.hosts = {rig.sandbox.backup_base()};
  auto backup = rig.sandbox.client(to_backup);
  auto primary = rig.sandbox.client();
  REQUIRE(primary->api().apply(rig.sandbox.apply_request("RC1")).ok());
  CHECK(backup->api().query(rig.sandbox.sub_mchid(), "RC1").ok()); // one order book behind both hosts

  rig.set("backup_host", "down");
  const auto refused = backup->api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "connect");
  CHECK(primary->api().query(rig.sandbox.sub_mchid(), "RC1").ok());
  rig.set("backup_host", "up");
  CHECK(backup->api().query(rig.sandbox.sub_mchid(), "RC1").ok());

  const auto stats = rig.sandbox.sandbox().server().stats();
  CHECK(stats.hosts.at("primary") == 2);
  CHECK(stats.hosts.at("backup") == 2);
  const auto calls = rig.sandbox.sandbox().server().calls("RC1");
  REQUIRE(calls.size() == 4);
  CHECK(calls[1].host == "backup");
  CHECK(calls[2].host == "primary");
}

TEST_CASE("the backup host's state is a fault setting like any other, down from the start if asked") {
  test::SandboxFixtureOptions o;
  o.backup_host = true;
  REQUIRE(sandbox::set_fault(o.faults, "backup_host", "down").ok());
  SetupRig rig(o);
  REQUIRE(rig.sandbox.backup_base().port != 0);
  http::CurlOptions to_backup = rig.sandbox.curl_options();
  to_backup.hosts = {rig.sandbox.backup_base()};
  CHECK(rig.sandbox.client(to_backup)->api().query(rig.sandbox.sub_mchid(), "RC1").error().code == "connect");
  rig.set("backup_host", "up");
  CHECK(rig.sandbox.client(to_backup)->api().query(rig.sandbox.sub_mchid(), "RC1").error().code == "NOT_FOUND");
}
