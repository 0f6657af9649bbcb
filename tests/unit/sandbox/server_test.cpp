#include "sandbox/server.hpp"

#include "tests/support/idle_connections.hpp"
#include "tests/support/sandbox_fixture.hpp"
#include "tests/unit/sandbox/raw_client.hpp"
#include "sandbox/request_auth.hpp"
#include "sandbox/wire.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/verifier.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>

using namespace recharged;
using namespace recharged::sandbox_test;
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
  CHECK(queried->body == sandbox::write_order(rig.sandbox.platform().truth("RC1")->deposit));

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
              .pay_now("RC1", {sandbox::RechargeChannel::bank_transfer, sandbox::Settlement::immediate, std::nullopt})
              .ok());
  auto q = rig.api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(q.ok());
  const auto& d = q->value;
  CHECK(d.recharge_state.value == RechargeState::success);
  REQUIRE(d.recharge_channel.has_value());
  CHECK(d.recharge_channel->value == wxpay::RechargeChannel::bank_transfer);
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

TEST_CASE("closing a SUCCESS order answers 200 with the order as it is, SUCCESS") {
  Rig rig;
  rig.apply("RC1");
  REQUIRE(rig.sandbox.platform()
              .pay_now("RC1", {sandbox::RechargeChannel::qr_recharge, sandbox::Settlement::immediate, std::nullopt})
              .ok());
  auto c = rig.api().close(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(c.ok());
  CHECK(c->http_status == 200);
  CHECK(c->value.recharge_state.value == RechargeState::success);
  CHECK(c->body == sandbox::write_order(rig.sandbox.platform().truth("RC1")->deposit));
}

TEST_CASE("malformed apply bodies answer PARAM_ERROR with detail.field") {
  Rig rig;
  const std::string apply = apply_target();
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
    auto r = rig.raw.send({http::Method::get, std::string(sandbox::k_order_route_prefix) + "RC1"});
    CHECK(r.status == 400);
    CHECK(rig.error_body(r).detail_field == "sub_mchid");
  }
  CHECK(rig.sandbox.platform().counters().orders == 0);
}

TEST_CASE("an amount over 2千万元 answers INVALID_REQUEST 单笔充值金额超过上限") {
  Rig rig;
  auto r = rig.raw.send({http::Method::post, apply_target(), apply_body(rig.sandbox, "RC1", 2'000'000'001)});
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
    r.target = apply_target();
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
      rig.raw.send({http::Method::post, apply_target(), "[]"}),
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
  CHECK(rig.sandbox.platform().truth("RC1")->deposit.recharge_state == sandbox::RechargeState::recharging);
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

TEST_CASE("the platform logs every call per order with the Request-ID it answered, and dropped answers as status 0") {
  Rig rig;
  auto applied = rig.api().apply(rig.sandbox.apply_request("RC1"));
  REQUIRE(applied.ok());
  auto queried = rig.api().query(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE(queried.ok());
  sandbox::FaultConfig drop;
  drop.reset = 1;
  rig.sandbox.sandbox().faults().set_config(drop);
  CHECK_FALSE(rig.api().close(rig.sandbox.sub_mchid(), "RC1").ok());
  rig.sandbox.sandbox().faults().set_config({});
  CHECK(rig.query_error("RC2").kind == ErrorKind::not_found); // an order the platform does not know is logged too

  const auto calls = rig.sandbox.sandbox().server().calls("RC1");
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].endpoint == "apply");
  CHECK(calls[0].status == 200);
  CHECK(calls[0].request_id == applied->request_id);
  CHECK(calls[1].endpoint == "query");
  CHECK(calls[1].request_id == queried->request_id);
  CHECK(calls[2].endpoint == "close");
  CHECK(calls[2].status == 0);
  CHECK(calls[2].request_id.empty());
  CHECK(calls[2].fault == "reset");
  const auto unknown = rig.sandbox.sandbox().server().calls("RC2");
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0].status == 404);
  CHECK_FALSE(unknown[0].request_id.empty());
  CHECK(rig.sandbox.sandbox().server().calls("RC3").empty());
}

TEST_CASE("every POST must declare Content-Type application/json, the body-less close included") {
  Rig rig;
  rig.apply("RC1");
  const std::string close = close_target("RC1", rig.sandbox.sub_mchid());
  SUBCASE("a close without Content-Type is refused before anything happens") {
    RawRequest r{http::Method::post, close};
    r.content_type = "";
    auto answer = rig.raw.send(r);
    CHECK(answer.status == 400);
    CHECK(rig.error_body(answer).code == "INVALID_REQUEST");
    CHECK(rig.sandbox.platform().truth("RC1")->deposit.recharge_state == sandbox::RechargeState::recharging);
  }
  SUBCASE("an apply labelled as a form is refused") {
    RawRequest r{http::Method::post, apply_target(), apply_body(rig.sandbox, "RC2", 100)};
    r.content_type = "application/x-www-form-urlencoded";
    CHECK(rig.raw.send(r).status == 400);
    CHECK_FALSE(rig.sandbox.platform().truth("RC2").has_value());
  }
  SUBCASE("a close carrying a body is refused, even a signed one") {
    RawRequest r{http::Method::post, close, "null"};
    auto answer = rig.raw.send(r);
    CHECK(answer.status == 400);
    CHECK(rig.error_body(answer).code == "INVALID_REQUEST");
  }
  SUBCASE("parameters and case do not matter, and a GET may carry one or not") {
    RawRequest r{http::Method::post, close};
    r.content_type = "Application/JSON; charset=utf-8";
    CHECK(rig.raw.send(r).status == 200);
    RawRequest q{http::Method::get, query_target("RC1", rig.sandbox.sub_mchid())};
    q.content_type = "application/json; charset=utf-8";
    CHECK(rig.raw.send(q).status == 200);
  }
}

TEST_CASE("the close that the client library sends passes the sandbox's own checks") {
  Rig rig;
  rig.apply("RC1");
  auto closed = rig.api().close(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE_MESSAGE(closed.ok(), closed.error().message);
  CHECK(closed->value.recharge_state.value == RechargeState::closed);
}

TEST_CASE("the sandbox reads the Authorization fields in any order and refuses the malformed ones") {
  std::string why;
  const auto a = sandbox::read_authorization(
      R"(WECHATPAY2-SHA256-RSA2048 signature="c2ln",timestamp="1700000000",serial_no="AB12",nonce_str="n1",mchid="1900000001")",
      why);
  REQUIRE(a.has_value());
  CHECK(a->mchid == "1900000001");
  CHECK(a->serial_no == "AB12");
  CHECK(a->signature == "c2ln");
  for (const std::string& bad : {
           std::string(R"(WECHATPAY2-SHA256-RSA2048  mchid="1",nonce_str="n",timestamp="1",serial_no="s",signature="x")"),
           std::string(R"(WECHATPAY2-SHA256-RSA2048 mchid="1", nonce_str="n",timestamp="1",serial_no="s",signature="x")"),
           std::string(R"(WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s")"),
           std::string(R"(WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="1",nonce_str="n",timestamp="1",serial_no="s",signature="x")"),
           std::string(R"(WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="",timestamp="1",serial_no="s",signature="x")"),
           std::string(R"(WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="n",timestamp="1",serial_no="s",signature="x")"),
           std::string(R"(WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s",signature="x",extra="y")"),
           std::string(R"(WECHATPAY2-SHA256-RSA4096 mchid="1",nonce_str="n",timestamp="1",serial_no="s",signature="x")"),
       }) {
    CAPTURE(bad);
    CHECK_FALSE(sandbox::read_authorization(bad, why).has_value());
    CHECK_FALSE(why.empty());
  }
  CHECK(sandbox::signed_request_message("POST", "/v3/x/close?sub_mchid=1", "1700000000", "NONCE", "") ==
        "POST\n/v3/x/close?sub_mchid=1\n1700000000\nNONCE\n\n");
}

TEST_CASE("an apply body with a null anywhere is refused: the pages forbid null") {
  Rig rig;
  nlohmann::json body = nlohmann::json::parse(apply_body(rig.sandbox, "RC1", 100));
  body["remark"] = nullptr;
  auto r = rig.raw.send({http::Method::post, apply_target(), body.dump()});
  CHECK(r.status == 400);
  CHECK(rig.error_body(r).detail_field == "/remark");
  body.erase("remark");
  body["recharge_amount"]["currency"] = nullptr;
  r = rig.raw.send({http::Method::post, apply_target(), body.dump()});
  CHECK(rig.error_body(r).detail_field == "/recharge_amount/currency");
  CHECK(rig.sandbox.platform().counters().orders == 0);
}

TEST_CASE("a sub-merchant configured for NO_AUTH is answered 403 on every endpoint, with the chosen wording") {
  test::SandboxFixtureOptions options;
  Rig rig(options);
  rig.apply("RC1");
  sandbox::FaultConfig faults;
  REQUIRE(sandbox::set_fault(faults, "no_auth", rig.sandbox.sub_mchid() + ":no_auth_controlled").ok());
  rig.sandbox.sandbox().faults().set_config(faults);
  auto applied = rig.api().apply(rig.sandbox.apply_request("RC2"));
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().http_status == 403);
  CHECK(applied.error().code == "NO_AUTH");
  CHECK(applied.error().message.find("商户号出入金权限被管控") != std::string::npos);
  CHECK(rig.query_error("RC1").http_status == 403);
  auto closed = rig.api().close(rig.sandbox.sub_mchid(), "RC1");
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.error().code == "NO_AUTH");
  CHECK_FALSE(rig.sandbox.platform().truth("RC2").has_value());
  CHECK(rig.sandbox.platform().truth("RC1")->deposit.recharge_state == sandbox::RechargeState::recharging);
  // Another sub-merchant is served as usual.
  auto other = rig.sandbox.apply_request("RC3");
  other.sub_mchid = rig.sandbox.sub_mchid(1);
  CHECK(rig.api().apply(other).ok());
}

TEST_CASE("every error of the pages' tables can be answered on demand, signed and worded as the pages word it") {
  Rig rig;
  rig.apply("RC1");
  const auto keys = rig.sandbox.platform_keys();
  for (const auto name : sandbox::all_named_errors()) {
    const std::string text(sandbox::to_string(name));
    CAPTURE(text);
    sandbox::FaultConfig faults;
    REQUIRE(sandbox::set_fault(faults, "error", text).ok());
    REQUIRE(sandbox::set_fault(faults, "error_endpoint", "query").ok());
    rig.sandbox.sandbox().faults().set_config(faults);
    const auto answer = rig.raw.send({http::Method::get, query_target("RC1", rig.sandbox.sub_mchid())});
    const auto expected = sandbox::platform_error(name);
    CHECK(answer.status == expected.status);
    const auto body = rig.error_body(answer);
    CHECK(body.code == expected.body.code);
    CHECK(body.message == expected.body.message);
    CHECK(verify_signature(keys, answer.headers, answer.body, rig.clock.now()).ok());
    // Only the chosen endpoint: an apply goes through.
    CHECK(rig.api().apply(rig.sandbox.apply_request("E" + std::to_string(static_cast<int>(name)))).ok());
  }
  const std::vector<std::pair<std::string, int>> table{
      {"param_error", 400},  {"invalid_request", 400}, {"sign_error", 401},         {"system_error", 500},
      {"no_account", 400},   {"over_limit", 400},      {"duplicate", 400},          {"no_auth", 403},
      {"no_auth_punished", 403}, {"no_auth_controlled", 403}, {"not_found", 404}, {"frequency_limited", 429}};
  CHECK(sandbox::all_named_errors().size() == table.size());
  for (const auto& [name, status] : table) {
    const auto e = sandbox::parse_named_error(name);
    REQUIRE(e.has_value());
    CHECK(sandbox::platform_error(*e).status == status);
  }
}

namespace {

nlohmann::json answer_json(Rig& rig, const std::string& no) {
  const auto r = rig.raw.send({http::Method::get, query_target(no, rig.sandbox.sub_mchid())});
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

void shape(Rig& rig, const std::vector<std::pair<std::string, std::string>>& settings) {
  sandbox::FaultConfig faults;
  for (const auto& [key, value] : settings) REQUIRE(sandbox::set_fault(faults, key, value).ok());
  rig.sandbox.sandbox().faults().set_config(faults);
}

} // namespace

TEST_CASE("answers can leave out every optional field, recharge_amount's members included") {
  Rig rig;
  rig.apply("RC1");
  REQUIRE(rig.sandbox.platform()
              .pay_now("RC1", {sandbox::RechargeChannel::bank_transfer, sandbox::Settlement::immediate, std::nullopt})
              .ok());
  shape(rig, {{"omit_optional", "1"}});
  const auto j = answer_json(rig, "RC1");
  for (const char* required : {"sp_mchid", "sub_mchid", "recharge_id", "out_recharge_no", "account_type",
                               "recharge_state", "recharge_scene", "recharge_amount"})
    CHECK(j.contains(required));
  CHECK(j.size() == 8);
  CHECK(j["recharge_amount"] == nlohmann::json::object());
  CHECK(j["recharge_state"] == "SUCCESS");
  shape(rig, {{"omit_fields", "recharge_amount.currency,success_time"}});
  const auto some = answer_json(rig, "RC1");
  CHECK(some["recharge_amount"] == nlohmann::json{{"amount", 10'000}});
  CHECK_FALSE(some.contains("success_time"));
  CHECK(some.contains("accept_time"));
  CHECK(some.contains("bank_transfer_info"));
}

TEST_CASE("answers can carry unknown fields, nulls, odd times, close_time on SUCCESS and the older enum values") {
  Rig rig;
  rig.apply("RC1");
  REQUIRE(rig.sandbox.platform()
              .pay_now("RC1", {sandbox::RechargeChannel::qr_recharge, sandbox::Settlement::immediate, std::nullopt})
              .ok());
  shape(rig, {{"extra_fields", "1"}, {"null_fields", "1"}, {"odd_times", "1"}, {"close_time_on_success", "1"},
              {"account_type_as", "BASIC"}, {"recharge_scene_as", "ECOMMERCE_BANK_TRANSFER"}});
  const auto j = answer_json(rig, "RC1");
  CHECK(j.contains("sandbox_unlisted_order"));
  CHECK(j["recharge_amount"].contains("payer_total_unlisted"));
  CHECK(j["qr_recharge_info"].contains("sandbox_unlisted_detail"));
  CHECK(j["bank_transfer_info"].is_null());
  CHECK(j["online_bank_recharge_info"].is_null());
  CHECK(j["recharge_state"] == "SUCCESS");
  CHECK(j["account_type"] == "BASIC");
  CHECK(j["recharge_scene"] == "ECOMMERCE_BANK_TRANSFER");
  CHECK(j["success_time"] == "2026-11-23 10:00:00");
  CHECK(j["close_time"] == "2026-11-23 10:00:00");
  // The shapes are on the wire only: the platform's record is unchanged.
  const auto truth = rig.sandbox.platform().truth("RC1");
  CHECK(truth->deposit.account_type == sandbox::AccountType::deposit);
  CHECK_FALSE(truth->deposit.close_time.has_value());
  // Unknown shape names and values are refused with the rule.
  sandbox::FaultConfig c;
  CHECK_FALSE(sandbox::set_fault(c, "omit_fields", "sub_mchid").ok());
  CHECK_FALSE(sandbox::set_fault(c, "account_type_as", "SAVINGS").ok());
  CHECK(sandbox::set_fault(c, "recharge_scene_as", "NORMAL_BANK_TRANSFER").ok());
  CHECK_FALSE(sandbox::set_fault(c, "error", "teapot").ok());
  CHECK_FALSE(sandbox::set_fault(c, "no_auth", "19x:no_auth").ok());
  CHECK_FALSE(sandbox::set_fault(c, "no_auth", "1900000101:not_found").ok());
}
