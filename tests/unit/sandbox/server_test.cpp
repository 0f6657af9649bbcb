#include "sandbox/server.hpp"

#include "tests/support/idle_connections.hpp"
#include "tests/support/sandbox_fixture.hpp"
#include "tests/unit/sandbox/raw_client.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/verifier.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <set>

using namespace recharged;
using namespace recharged::sandbox_test;
using wxpay::RechargeChannel;
using wxpay::RechargeState;
using namespace std::chrono_literals;

namespace {

struct Rig {
  ManualClock clock{sh("2026-11-23T10:00:00")};
  test::SandboxFixture sandbox;
  std::unique_ptr<test::SandboxClient> client;
  RawClient raw;

  explicit Rig(test::SandboxFixtureOptions options = {})
      : sandbox(clock, std::move(options)), client(sandbox.client()), raw(sandbox, clock) {}

  wxpay::ApiClient& api() { return client->api(); }

  void apply(const std::string& no) { REQUIRE(api().apply(sandbox.apply_request(no)).ok()); }

  // The refusal as the client classifies it.
  Error query_error(const std::string& no) {
    auto q = api().query(sandbox.sub_mchid(), no);
    REQUIRE_FALSE(q.ok());
    return q.error();
  }

  wxpay::ErrorBody error_body(const http::Response& r) {
    auto body = wxpay::decode_error_body(r.body);
    REQUIRE(body.ok());
    return *body;
  }
};

std::string apply_body(const test::SandboxFixture& s, const std::string& no, Fen amount) {
  return wxpay::encode(s.apply_request(no, amount));
}

} // namespace

TEST_CASE("a real client applies, queries and closes an order through the signed protocol") {
  Rig rig;
  auto applied = rig.api().apply(rig.sandbox.apply_request("RC1"));
  REQUIRE(applied.ok());
  CHECK(applied->http_status == 200);
  CHECK(applied->request_id.size() == 40);
  CHECK(applied->value.out_recharge_no == "RC1");
  CHECK(applied->value.recharge_id == rig.sandbox.platform().truth("RC1")->deposit.recharge_id);

  auto queried = rig.api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(queried.ok());
  CHECK(queried->value.recharge_state.value == RechargeState::recharging);
  CHECK(queried->value.sp_mchid == rig.sandbox.mchid());
  CHECK(queried->body == wxpay::encode(rig.sandbox.platform().truth("RC1")->deposit));

  rig.clock.advance(10min);
  auto closed = rig.api().close(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(closed.ok());
  CHECK(closed->value.recharge_state.value == RechargeState::closed);
  CHECK(closed->value.recharge_state_desc == "平台商户主动关闭充值单");
  CHECK(closed->value.close_time == sh("2026-11-23T10:10:00"));
  auto again = rig.api().close(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(again.ok());
  CHECK(again->body == closed->body);
}

TEST_CASE("a paid order reaches the client with its channel, success time and bank transfer details") {
  Rig rig;
  rig.apply("RC1");
  REQUIRE(rig.sandbox.platform()
              .pay_now("RC1", {RechargeChannel::bank_transfer, sandbox::Settlement::immediate, std::nullopt})
              .ok());
  auto q = rig.api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(q.ok());
  const auto& d = q->value;
  CHECK(d.recharge_state.value == RechargeState::success);
  REQUIRE(d.recharge_channel.has_value());
  CHECK(d.recharge_channel->value == RechargeChannel::bank_transfer);
  CHECK(d.success_time == rig.clock.now());
  REQUIRE(d.bank_transfer_info.has_value());
  CHECK(d.bank_transfer_info->bank_card_tail.value_or("").size() == 4);
  CHECK(q->body.find("+08:00") != std::string::npos);
}

TEST_CASE("re-applying through the client is ambiguous and the platform counts both applies") {
  Rig rig;
  rig.apply("RC1");
  auto again = rig.api().apply(rig.sandbox.apply_request("RC1"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().kind == ErrorKind::ambiguous);
  CHECK(again.error().code == "INVALID_REQUEST");
  CHECK(again.error().http_status == 400);
  CHECK(again.error().message.find("该业务充值单号已存在") != std::string::npos);
  CHECK(again.error().request_id.size() == 40);
  CHECK(rig.sandbox.platform().applies("RC1") == 2);
}

TEST_CASE("an unknown order answers 404 NOT_FOUND to query and close") {
  Rig rig;
  const Error q = rig.query_error("RC404");
  CHECK(q.kind == ErrorKind::not_found);
  CHECK(q.http_status == 404);
  CHECK(q.code == "NOT_FOUND");
  auto c = rig.api().close(rig.sandbox.sub_mchid(), "RC404");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().kind == ErrorKind::not_found);
}

TEST_CASE("closing a SUCCESS order is refused permanently with INVALID_REQUEST") {
  Rig rig;
  rig.apply("RC1");
  REQUIRE(rig.sandbox.platform()
              .pay_now("RC1", {RechargeChannel::qr_recharge, sandbox::Settlement::immediate, std::nullopt})
              .ok());
  auto c = rig.api().close(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().kind == ErrorKind::permanent);
  CHECK(c.error().code == "INVALID_REQUEST");
  CHECK(c.error().message.find("充值单已成功,无法关闭") != std::string::npos);
}

TEST_CASE("malformed apply bodies answer PARAM_ERROR with detail.field") {
  Rig rig;
  const std::string apply(wxpay::k_apply_path);
  SUBCASE("a zero amount names /recharge_amount/amount") {
    auto r = rig.raw.send({http::Method::post, apply, apply_body(rig.sandbox, "RC1", 0)});
    CHECK(r.status == 400);
    const auto body = rig.error_body(r);
    CHECK(body.code == "PARAM_ERROR");
    CHECK(body.detail_field == "/recharge_amount/amount");
  }
  SUBCASE("a missing out_recharge_no names /out_recharge_no") {
    auto r = rig.raw.send({http::Method::post, apply,
                           R"({"sub_mchid":"1900000101","recharge_scene":"ECOMMERCE_DEPOSIT","account_type":"DEPOSIT",)"
                           R"("recharge_amount":{"amount":100,"currency":"CNY"}})"});
    CHECK(r.status == 400);
    CHECK(rig.error_body(r).detail_field == "/out_recharge_no");
  }
  SUBCASE("a body that is not JSON is a PARAM_ERROR too") {
    auto r = rig.raw.send({http::Method::post, apply, "{not json"});
    CHECK(r.status == 400);
    CHECK(rig.error_body(r).code == "PARAM_ERROR");
  }
  SUBCASE("a query without sub_mchid names it") {
    auto r = rig.raw.send({http::Method::get, std::string(wxpay::k_order_path) + "RC1"});
    CHECK(r.status == 400);
    CHECK(rig.error_body(r).detail_field == "sub_mchid");
  }
  CHECK(rig.sandbox.platform().counters().orders == 0);
}

TEST_CASE("an amount over 2千万元 answers INVALID_REQUEST 单笔充值金额超过上限") {
  Rig rig;
  auto r = rig.raw.send({http::Method::post, std::string(wxpay::k_apply_path), apply_body(rig.sandbox, "RC1", 2'000'000'001)});
  CHECK(r.status == 400);
  const auto body = rig.error_body(r);
  CHECK(body.code == "INVALID_REQUEST");
  CHECK(body.message == "单笔充值金额超过上限");
}

TEST_CASE("a request without Accept or User-Agent is refused with INVALID_REQUEST") {
  Rig rig;
  const std::string target = query_target("RC1", rig.sandbox.sub_mchid());
  RawRequest no_agent{http::Method::get, target};
  no_agent.user_agent = false;
  auto r = rig.raw.send(no_agent);
  CHECK(r.status == 400);
  CHECK(rig.error_body(r).message == "Http头缺少Accept或User-Agent");
  RawRequest no_accept{http::Method::get, target};
  no_accept.accept = false;
  CHECK(rig.raw.send(no_accept).status == 400);
}

TEST_CASE("a request whose signature does not hold is refused with 401 SIGN_ERROR") {
  Rig rig;
  rig.apply("RC1");
  const std::string target = query_target("RC1", rig.sandbox.sub_mchid());
  RawRequest r{http::Method::get, target};
  SUBCASE("the untouched request passes") { CHECK(rig.raw.send(r).status == 200); }
  SUBCASE("signed with another key") { r.key = crypto::PrivateKey::generate(2048); }
  SUBCASE("naming another certificate serial") { r.serial_no = "1234567890ABCDEF1234567890ABCDEF12345678"; }
  SUBCASE("naming another merchant") { r.mchid = "1900000002"; }
  SUBCASE("300 seconds old") { r.clock_offset = -300s; }
  SUBCASE("300 seconds ahead") { r.clock_offset = 300s; }
  SUBCASE("over another target") { r.signed_target = query_target("RC2", rig.sandbox.sub_mchid()); }
  SUBCASE("over another body") {
    r.method = http::Method::post;
    r.target = std::string(wxpay::k_apply_path);
    r.body = apply_body(rig.sandbox, "RC2", 100);
    r.signed_body = apply_body(rig.sandbox, "RC2", 200);
  }
  SUBCASE("with no Authorization at all") { r.authorization = ""; }
  SUBCASE("with a garbled Authorization") { r.authorization = "WECHATPAY2-SHA256-RSA2048 mchid=1900000001"; }
  if (r.key || r.serial_no || r.mchid || r.clock_offset != 0s || r.signed_target || r.signed_body || r.authorization) {
    auto answer = rig.raw.send(r);
    CHECK(answer.status == 401);
    CHECK(rig.error_body(answer).code == "SIGN_ERROR");
    CHECK(rig.sandbox.platform().counters().orders == 1);
  }
}

TEST_CASE("a request timestamp 299 seconds off is still accepted") {
  Rig rig;
  rig.apply("RC1");
  RawRequest r{http::Method::get, query_target("RC1", rig.sandbox.sub_mchid())};
  r.clock_offset = -299s;
  CHECK(rig.raw.send(r).status == 200);
  r.clock_offset = 299s;
  CHECK(rig.raw.send(r).status == 200);
}

TEST_CASE("a client holding another merchant key is told SIGN_ERROR, which it may retry after fixing") {
  Rig rig;
  test::SandboxClient stranger(wxpay::RequestSigner(rig.sandbox.mchid(), rig.sandbox.serial_no(),
                                                    crypto::PrivateKey::generate(2048)),
                               rig.sandbox.platform_keys(), rig.sandbox.curl_options(), rig.clock);
  auto q = stranger.api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().http_status == 401);
  CHECK(q.error().code == "SIGN_ERROR");
  CHECK(q.error().kind == ErrorKind::retryable);
}

TEST_CASE("a Wechatpay-Serial naming another key is refused with INVALID_REQUEST") {
  Rig rig;
  RawRequest r{http::Method::get, query_target("RC1", rig.sandbox.sub_mchid())};
  r.wechatpay_serial = "PUB_KEY_ID_00000000000000000000000000000000";
  auto answer = rig.raw.send(r);
  CHECK(answer.status == 400);
  CHECK(rig.error_body(answer).code == "INVALID_REQUEST");
  r.wechatpay_serial = rig.sandbox.public_key_id();
  CHECK(rig.raw.send(r).status == 404);
}

TEST_CASE("every answer, refusals included, is signed under the PUB_KEY_ID key and carries a Request-ID") {
  Rig rig;
  rig.apply("RC1");
  const auto keys = rig.sandbox.platform_keys();
  std::vector<http::Response> answers{
      rig.raw.send({http::Method::get, query_target("RC1", rig.sandbox.sub_mchid())}),
      rig.raw.send({http::Method::get, query_target("RC404", rig.sandbox.sub_mchid())}),
      rig.raw.send({http::Method::post, std::string(wxpay::k_apply_path), "[]"}),
  };
  RawRequest unsigned_request{http::Method::get, query_target("RC1", rig.sandbox.sub_mchid())};
  unsigned_request.authorization = "";
  answers.push_back(rig.raw.send(unsigned_request));
  std::set<std::string> ids;
  for (const auto& a : answers) {
    CHECK(verify_signature(keys, a.headers, a.body, rig.clock.now()).ok());
    CHECK(a.headers.get("Wechatpay-Serial") == rig.sandbox.public_key_id());
    CHECK(a.headers.get("Wechatpay-Signature-Type") == "WECHATPAY2-SHA256-RSA2048");
    ids.insert(std::string(a.headers.get("Request-ID").value_or("")));
  }
  CHECK(ids.size() == answers.size());
  CHECK_FALSE(ids.contains(""));
}

TEST_CASE("the control API is reachable only under /sandbox/") {
  Rig rig;
  rig.apply("RC1");
  CHECK(rig.raw.get("/sandbox/orders/RC1").status == 200);
  CHECK(rig.raw.get("/orders/RC1").status == 404);
  CHECK(rig.raw.get("/v3/sandbox/orders/RC1").status == 404);
  CHECK(rig.raw.get("/v3/platsolution/ecommerce/recharges/sandbox/orders").status == 404);
  CHECK(rig.raw.post("/orders/RC1/pay?channel=QR_RECHARGE", "").status == 404);
  CHECK(rig.sandbox.platform().truth("RC1")->deposit.recharge_state.value == RechargeState::recharging);
}

TEST_CASE("a frequency limit answers 429 FREQUENCY_LIMITED, which the client sees as rate_limited") {
  test::SandboxFixtureOptions options;
  options.faults.frequency_limit = 2;
  Rig rig(options);
  int limited = 0;
  int passed = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    auto q = rig.api().query(rig.sandbox.sub_mchid(), "RC1");
    REQUIRE_FALSE(q.ok());
    if (q.error().kind == ErrorKind::rate_limited) {
      ++limited;
      CHECK(i >= 2); // the first two of any second always pass
      CHECK(q.error().http_status == 429);
      CHECK(q.error().code == "FREQUENCY_LIMITED");
    } else {
      ++passed;
      CHECK(q.error().kind == ErrorKind::not_found);
    }
  }
  // Two per second in any one second: six queries spread over E seconds (normally a few milliseconds, more on a
  // starved machine) can pass at most 2 * (floor(E) + 1) times.
  const auto whole_seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
  INFO("the six queries took " << whole_seconds.count() << " whole seconds");
  CHECK(passed >= 2);
  CHECK(passed <= 2 * (whole_seconds.count() + 1));
  CHECK(limited == 6 - passed);
  CHECK(rig.api().apply(rig.sandbox.apply_request("RC1")).ok()); // the limit is per endpoint
}

TEST_CASE("idle keep-alive connections held by other clients never make a request wait for a worker") {
  Rig rig;
  // As many as the daemon's largest pool, idle for 5 s, longer than the client's 3 s total timeout: they must
  // hold no worker.
  const test::IdleConnections idle(rig.sandbox.sandbox().server().port(), 64, "/sandbox/clock");
  auto applied = rig.api().apply(rig.sandbox.apply_request("RC1"));
  REQUIRE_MESSAGE(applied.ok(), applied.error().message);
  CHECK(applied->value.out_recharge_no == "RC1");
}
