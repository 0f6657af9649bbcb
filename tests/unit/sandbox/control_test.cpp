#include "sandbox/control.hpp"

#include "tests/support/sandbox_fixture.hpp"
#include "tests/unit/sandbox/raw_client.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace recharged;
using namespace recharged::sandbox_test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct ControlRig {
  ManualClock clock{sh("2026-11-23T10:00:00")};
  test::SandboxFixture sandbox{clock};
  std::unique_ptr<test::SandboxClient> client = sandbox.client();
  RawClient raw{sandbox, clock};

  json get(const std::string& target, int status = 200) {
    const auto r = raw.get(target);
    CHECK(r.status == status);
    return json::parse(r.body);
  }
  json post(const std::string& target, const std::string& body, int status = 200) {
    const auto r = raw.post(target, body);
    CHECK(r.status == status);
    return json::parse(r.body);
  }
  void apply(const std::string& no) { REQUIRE(client->api().apply(sandbox.apply_request(no)).ok()); }
};

} // namespace

TEST_CASE("the control API tells the sandbox's time") {
  ControlRig rig;
  const auto now = rig.get("/sandbox/clock");
  CHECK(now["now"] == "2026-11-23T10:00:00+08:00");
  CHECK(now["now_utc"] == "2026-11-23T02:00:00.000Z");
  CHECK(now["unix"] == unix_seconds(rig.clock.now()));
}

TEST_CASE("the control API shows an order's ground truth and pays it now") {
  ControlRig rig;
  rig.apply("RC1");
  auto truth = rig.get("/sandbox/orders/RC1");
  CHECK(truth["order"]["recharge_state"] == "RECHARGING");
  CHECK(truth["applies"] == 1);
  CHECK(truth["expires_at"] == "2026-11-30T10:00:00+08:00");
  CHECK(truth["notify_url"] == "https://sandbox.recharged.invalid/wxpay/recharge-notify");
  CHECK(truth["plan"].empty());

  auto paid = rig.post("/sandbox/orders/RC1/pay?channel=BANK_TRANSFER&settle=now", "");
  CHECK(paid["order"]["recharge_state"] == "SUCCESS");
  CHECK(paid["order"]["recharge_channel"] == "BANK_TRANSFER");
  CHECK(paid["plan"].size() == 1);
  auto q = rig.client->api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(q.ok());
  CHECK(json::parse(q->body) == paid["order"]);

  rig.post("/sandbox/orders/RC1/pay?channel=QR_RECHARGE", "", 400);
  rig.get("/sandbox/orders/RC9", 404);
  rig.post("/sandbox/orders/RC9/pay", "", 404);
}

TEST_CASE("a realistic payment through the control API lands by the settlement rules") {
  ControlRig rig;
  rig.clock.set(sh("2026-11-27T18:00:00")); // Friday evening: the interbank system is closed until Monday
  rig.apply("RC1");
  auto paid = rig.post("/sandbox/orders/RC1/pay?channel=BANK_TRANSFER", "");
  CHECK(paid["order"]["recharge_state"] == "RECHARGING");
  const auto lands = parse_rfc3339(paid["plan"][0]["lands_at"].get<std::string>()).value();
  CHECK(lands >= sh("2026-11-30T00:00:00"));
  CHECK(lands <= sh("2026-11-30T00:10:00"));
  rig.post("/sandbox/orders/RC1/pay?channel=CASH", "", 400);
  rig.post("/sandbox/orders/RC1/pay?settle=later", "", 400);
}

TEST_CASE("the control API lists orders, filtered by state") {
  ControlRig rig;
  rig.apply("RC1");
  rig.apply("RC2");
  REQUIRE(rig.client->api().close(rig.sandbox.sub_mchid(), "RC2").ok());
  CHECK(rig.get("/sandbox/orders")["orders"].size() == 2);
  const auto closed = rig.get("/sandbox/orders?state=CLOSED")["orders"];
  REQUIRE(closed.size() == 1);
  CHECK(closed[0]["order"]["out_recharge_no"] == "RC2");
}

TEST_CASE("faults are switched through the control API and refused settings change nothing") {
  ControlRig rig;
  auto set = rig.post("/sandbox/faults", R"({"server_error": 1, "latency_duration": "50ms"})");
  CHECK(set["server_error"] == "1");
  CHECK(set["latency_duration"] == "50ms");
  auto q = rig.client->api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().http_status == 500);
  rig.post("/sandbox/faults", R"({"server_error": 0, "meteor": 1})", 400);
  CHECK(rig.get("/sandbox/faults")["server_error"] == "1");
  rig.post("/sandbox/faults", "not json", 400);
  rig.post("/sandbox/faults", R"({"server_error": 0})");
  CHECK(rig.client->api().query(rig.sandbox.sub_mchid(), "RC1").error().http_status == 404);
}

TEST_CASE("the control API counts calls by endpoint and status, and applies per order") {
  ControlRig rig;
  rig.apply("RC1");
  CHECK_FALSE(rig.client->api().apply(rig.sandbox.apply_request("RC1")).ok());
  CHECK_FALSE(rig.client->api().query(rig.sandbox.sub_mchid(), "RC9").ok());
  const auto stats = rig.get("/sandbox/stats");
  CHECK(stats["calls"]["apply"]["200"] == 1);
  CHECK(stats["calls"]["apply"]["400"] == 1);
  CHECK(stats["calls"]["query"]["404"] == 1);
  CHECK(stats["applies"]["RC1"] == 2);
  CHECK(stats["max_applies_per_order"] == 2);
  CHECK(stats["platform"]["duplicate_applies"] == 1);
  CHECK(stats["platform"]["orders"] == 1);
}

TEST_CASE("the control API lists notifications with their delivery state") {
  ControlRig rig;
  rig.apply("RC1");
  REQUIRE(rig.client->api().close(rig.sandbox.sub_mchid(), "RC1").ok());
  rig.sandbox.sandbox().flush();
  const auto list = rig.get("/sandbox/notifications")["notifications"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["event_type"] == "RECHARGE.CLOSED");
  CHECK(list[0]["url"] == "https://sandbox.recharged.invalid/wxpay/recharge-notify");
  CHECK(list[0]["resource"]["recharge_state"] == "CLOSED");
}

TEST_CASE("the set-up faults are switched through the control API like the others") {
  ControlRig rig;
  auto set = rig.post("/sandbox/faults",
                      R"({"sign_with": "certificate", "strip_headers": "Wechatpay-Nonce", "clock_offset": "-2m"})");
  CHECK(set["sign_with"] == "certificate");
  CHECK(set["strip_headers"] == "Wechatpay-Nonce");
  CHECK(set["clock_offset"] == "-2m");
  CHECK(set["backup_host"] == "up");
  const auto answer = rig.raw.send({http::Method::get, query_target("RC404", rig.sandbox.sub_mchid())});
  CHECK(answer.headers.get("Wechatpay-Serial") == rig.sandbox.state().platform.certificate_serial);
  CHECK_FALSE(answer.headers.get("Wechatpay-Nonce").has_value());
  rig.post("/sandbox/faults", R"({"strip_headers": "Date"})", 400);
  CHECK(rig.get("/sandbox/stats")["hosts"]["primary"] == 1);
}
