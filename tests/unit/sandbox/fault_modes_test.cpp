// Each injected fault, observed by the real client as the ErrorKind the daemon acts on.

#include "sandbox/faults.hpp"

#include "tests/support/sandbox_fixture.hpp"
#include "tests/unit/sandbox/raw_client.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::sandbox_test;
using namespace std::chrono_literals;

namespace {

struct FaultRig {
  ManualClock clock{sh("2026-11-23T10:00:00")};
  test::SandboxFixture sandbox;
  std::unique_ptr<test::SandboxClient> client;

  explicit FaultRig(sandbox::FaultConfig faults, Millis client_timeout = 3s)
      : sandbox(clock, options(faults)), client(make_client(client_timeout)) {}

  static test::SandboxFixtureOptions options(sandbox::FaultConfig faults) {
    test::SandboxFixtureOptions o;
    o.faults = faults;
    return o;
  }
  std::unique_ptr<test::SandboxClient> make_client(Millis timeout) {
    auto o = sandbox.curl_options();
    o.timeout = timeout;
    return sandbox.client(o);
  }
  Error apply_error(const std::string& no) {
    auto a = client->api().apply(sandbox.apply_request(no));
    REQUIRE_FALSE(a.ok());
    return a.error();
  }
  Error query_error(const std::string& no) {
    auto q = client->api().query(sandbox.sub_mchid(), no);
    REQUIRE_FALSE(q.ok());
    return q.error();
  }
  bool exists(const std::string& no) { return sandbox.platform().truth(no).has_value(); }
};

sandbox::FaultConfig only(double sandbox::FaultConfig::*rate) {
  sandbox::FaultConfig c;
  c.*rate = 1.0;
  return c;
}

} // namespace

TEST_CASE("an injected 500 SYSTEM_ERROR is retryable for a query, ambiguous for an apply, and changes nothing") {
  FaultRig rig(only(&sandbox::FaultConfig::server_error));
  const Error q = rig.query_error("RC1");
  CHECK(q.kind == ErrorKind::retryable);
  CHECK(q.http_status == 500);
  CHECK(q.code == "SYSTEM_ERROR");
  const Error a = rig.apply_error("RC1");
  CHECK(a.kind == ErrorKind::ambiguous);
  CHECK_FALSE(rig.exists("RC1"));
  CHECK(rig.sandbox.sandbox().server().stats().faults.at("server_error") == 2);
}

TEST_CASE("an injected 429 is rate_limited and changes nothing") {
  FaultRig rig(only(&sandbox::FaultConfig::rate_limited));
  const Error a = rig.apply_error("RC1");
  CHECK(a.kind == ErrorKind::rate_limited);
  CHECK(a.http_status == 429);
  CHECK(a.code == "FREQUENCY_LIMITED");
  CHECK_FALSE(rig.exists("RC1"));
}

TEST_CASE("a reset after processing leaves the apply ambiguous although the order exists, so the client must query") {
  FaultRig rig(only(&sandbox::FaultConfig::reset));
  const Error a = rig.apply_error("RC1");
  CHECK(a.kind == ErrorKind::ambiguous);
  CHECK(a.code == "reset");
  CHECK(a.http_status == 0);
  CHECK(rig.exists("RC1"));
  CHECK(rig.sandbox.platform().applies("RC1") == 1);
  const Error q = rig.query_error("RC1");
  CHECK(q.kind == ErrorKind::retryable);
  CHECK(q.code == "reset");
  rig.sandbox.sandbox().faults().set_config({});
  auto found = rig.client->api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(found.ok());
  CHECK(found->value.recharge_state.value == wxpay::RechargeState::recharging);
}

TEST_CASE("a held answer times the client out: the apply is ambiguous and took effect") {
  auto faults = only(&sandbox::FaultConfig::timeout);
  faults.timeout_hold = 600s;
  FaultRig rig(faults, 300ms);
  const auto started = std::chrono::steady_clock::now();
  const Error a = rig.apply_error("RC1");
  CHECK(std::chrono::steady_clock::now() - started < 300s); // the client gave up long before the hold ended
  CHECK(a.kind == ErrorKind::ambiguous);
  CHECK(a.code == "timeout");
  // The client gave up at 300 ms; on a loaded machine the sandbox may still be recording the order then.
  CHECK(eventually([&] { return rig.exists("RC1"); }));
  const Error q = rig.query_error("RC1");
  CHECK(q.kind == ErrorKind::retryable);
  CHECK(q.code == "timeout");
}

TEST_CASE("a badly signed answer is never data: retryable for a query, ambiguous for an apply") {
  FaultRig rig(only(&sandbox::FaultConfig::bad_signature));
  const Error a = rig.apply_error("RC1");
  CHECK(a.kind == ErrorKind::ambiguous);
  CHECK(a.code == "signature");
  CHECK(a.http_status == 200);
  CHECK(rig.exists("RC1"));
  const Error q = rig.query_error("RC1");
  CHECK(q.kind == ErrorKind::retryable);
  CHECK(q.code == "signature");
  CHECK(q.message.find("does not match") != std::string::npos);
}

TEST_CASE("a WECHATPAY/SIGNTEST/ probe signature is refused like any bad signature") {
  FaultRig rig(only(&sandbox::FaultConfig::probe_signature));
  const Error a = rig.apply_error("RC1");
  CHECK(a.kind == ErrorKind::ambiguous);
  CHECK(a.code == "signature");
  CHECK(a.message.find("probe") != std::string::npos);
  RawClient raw(rig.sandbox, rig.clock);
  const auto answer = raw.send({http::Method::get, query_target("RC1", rig.sandbox.sub_mchid())});
  CHECK(answer.status == 200);
  CHECK(answer.headers.get("Wechatpay-Signature").value_or("").starts_with("WECHATPAY/SIGNTEST/"));
}

TEST_CASE("injected latency delays the answer but it still arrives") {
  auto faults = only(&sandbox::FaultConfig::latency);
  faults.latency_duration = 300ms;
  FaultRig rig(faults);
  const auto started = std::chrono::steady_clock::now();
  auto a = rig.client->api().apply(rig.sandbox.apply_request("RC1"));
  CHECK(a.ok());
  CHECK(std::chrono::steady_clock::now() - started >= 300ms);
}

TEST_CASE("faults switched off at run time stop at once") {
  FaultRig rig(only(&sandbox::FaultConfig::server_error));
  CHECK(rig.query_error("RC1").code == "SYSTEM_ERROR");
  rig.sandbox.sandbox().faults().set_config({});
  CHECK(rig.query_error("RC1").code == "NOT_FOUND");
}
