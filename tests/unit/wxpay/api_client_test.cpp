#include "wxpay/api_client.hpp"

#include "tests/support/fake_platform.hpp"
#include "tests/support/keys.hpp"
#include "wxpay/codec.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace recharged;
using namespace recharged::wxpay;
using test::FakePlatform;
using test::Reply;
using test::Signing;

namespace {

const TimePoint k_now{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + std::chrono::hours{9}};
constexpr std::string_view k_sub = "1900000110";
constexpr std::string_view k_no = "CZ20261123A1";

std::string order_json(std::string_view state = "RECHARGING", std::string_view extra = "") {
  return std::string(R"({"sp_mchid":"1900000109","sub_mchid":"1900000110","recharge_id":"100000202611230012345678",)"
                     R"("out_recharge_no":"CZ20261123A1","account_type":"DEPOSIT","recharge_state":")") +
         std::string(state) +
         R"(","recharge_scene":"ECOMMERCE_DEPOSIT","recharge_amount":{"amount":10000,"currency":"CNY"},)"
         R"("accept_time":"2026-11-23T17:00:00+08:00")" +
         std::string(extra) + "}";
}

std::string apply_json(std::string_view out_recharge_no = k_no) {
  return R"({"recharge_id":"172207846292553701","out_recharge_no":")" + std::string(out_recharge_no) +
         R"(","recharge_url":"https://www.payapp.qq.com/plat/recharge.html?id=1"})";
}

// One fake platform, one real client pointed at it, one virtual clock shared by both.
struct Rig {
  const test::TestKeys& keys = test::TestKeys::shared();
  ManualClock clock{k_now};
  FakePlatform platform{keys, clock};
  std::unique_ptr<test::ClientRig> rig;

  explicit Rig(std::function<void(http::CurlOptions&)> tweak = nullptr, bool certificate_mode = false) {
    platform.start();
    auto options = test::test_curl_options({platform.base_url()});
    if (tweak) tweak(options);
    rig = std::make_unique<test::ClientRig>(keys, certificate_mode ? keys.certificate_mode() : keys.public_key_mode(),
                                            options, clock);
  }
  ApiClient& client() { return rig->client(); }
  Result<Answer<ApplyResponse>> apply() { return client().apply(test::sample_apply_request(std::string(k_no))); }
  Result<Answer<MchDeposit>> query() { return client().query(k_sub, k_no); }
  Result<Answer<MchDeposit>> close() { return client().close(k_sub, k_no); }
};

// The outcome of one call as "<kind> <code>" or "ok", for compact tables.
template <class T>
std::string outcome(const Result<T>& r) {
  return r.ok() ? "ok" : std::string(to_string(r.error().kind)) + " " + r.error().code;
}

class Recorder final : public CallObserver {
public:
  void on_call(const CallRecord& record) override { records.push_back(record); }
  std::vector<CallRecord> records;
};

} // namespace

TEST_CASE("apply sends a signed JSON POST with every required header and returns the verified answer") {
  Rig t;
  t.platform.enqueue(Reply::json(200, apply_json()));
  const auto request = test::sample_apply_request(std::string(k_no));
  auto answer = t.client().apply(request);
  REQUIRE(answer.ok());
  CHECK(answer->value.recharge_id == "172207846292553701");
  CHECK(answer->value.recharge_url == "https://www.payapp.qq.com/plat/recharge.html?id=1");
  CHECK(answer->http_status == 200);
  CHECK(answer->body == apply_json());
  CHECK(answer->request_id.starts_with("08"));
  const auto seen = t.platform.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].verified);
  CHECK(seen[0].method == http::Method::post);
  CHECK(seen[0].target == "/v3/platsolution/ecommerce/recharges/apply");
  CHECK(seen[0].body == encode(request));
  CHECK(seen[0].headers.get("Accept") == "application/json");
  CHECK(seen[0].headers.get("Content-Type") == "application/json");
  CHECK_FALSE(seen[0].headers.get("User-Agent").value_or("").empty());
  CHECK(seen[0].headers.get("Wechatpay-Serial") == t.keys.platform.public_key_id);
  CHECK(seen[0].headers.get("Authorization")->starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\","));
}

TEST_CASE("query sends a signed GET with the order in the path and sub_mchid in the query, and no body") {
  Rig t;
  t.platform.enqueue(Reply::json(200, order_json("SUCCESS", R"(,"recharge_channel":"QR_RECHARGE",)"
                                                            R"("success_time":"2026-11-23T17:02:00+08:00",)"
                                                            R"("close_time":"2026-11-23T17:03:00+08:00")")));
  auto answer = t.query();
  REQUIRE(answer.ok());
  CHECK(answer->value.recharge_state.value == RechargeState::success);
  CHECK(answer->value.close_time.has_value()); // tolerated on SUCCESS
  const auto seen = t.platform.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].verified);
  CHECK(seen[0].method == http::Method::get);
  CHECK(seen[0].target == "/v3/platsolution/ecommerce/recharges/out-recharge-no/CZ20261123A1?sub_mchid=1900000110");
  CHECK(seen[0].body.empty());
  CHECK_FALSE(seen[0].headers.get("Content-Type").has_value());
  CHECK(seen[0].headers.get("Accept") == "application/json");
}

TEST_CASE("close sends a signed POST with an empty body, Content-Type application/json, and signs the empty fifth line") {
  Rig t;
  t.platform.enqueue(Reply::json(200, order_json("CLOSED", R"(,"close_time":"2026-11-23T18:00:00+08:00")")));
  auto answer = t.close();
  REQUIRE(answer.ok());
  CHECK(answer->value.recharge_state.value == RechargeState::closed);
  const auto seen = t.platform.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].verified); // the platform rebuilt "POST\n…/close?sub_mchid=…\nTS\nNONCE\n\n" and it verified
  CHECK(seen[0].method == http::Method::post);
  CHECK(seen[0].target ==
        "/v3/platsolution/ecommerce/recharges/out-recharge-no/CZ20261123A1/close?sub_mchid=1900000110");
  CHECK(seen[0].body.empty());
  CHECK(seen[0].headers.get("Content-Length") == "0");
  // As the close page's official sample sends it: Content-Type set, the empty body signed as an empty line.
  CHECK(seen[0].headers.get("Content-Type") == "application/json");
  CHECK(seen[0].headers.get("Accept") == "application/json");
}

TEST_CASE("in certificate mode the client announces the certificate serial and verifies answers signed under it") {
  Rig t(nullptr, true);
  Reply reply = Reply::json(200, order_json());
  reply.signing = Signing::certificate;
  t.platform.enqueue(reply);
  REQUIRE(t.query().ok());
  CHECK(t.platform.requests()[0].headers.get("Wechatpay-Serial") == t.keys.platform.certificate_serial);
  // And an answer under the public key id, which this client does not hold, is refused.
  t.platform.enqueue(Reply::json(200, order_json()));
  CHECK(outcome(t.query()) == "retryable signature");
}

TEST_CASE("every documented error code is classified for apply, query and close") {
  struct Case {
    int status;
    const char* code;
    const char* message;
    const char* apply;
    const char* query;
    const char* close;
  };
  const Case cases[] = {
      {400, "PARAM_ERROR", "参数错误", "permanent", "permanent", "permanent"},
      {400, "INVALID_REQUEST", "该业务充值单号已存在", "ambiguous", "permanent", "permanent"},
      {400, "INVALID_REQUEST", "入账账户不存在", "permanent", "permanent", "permanent"},
      {400, "INVALID_REQUEST", "单笔充值金额超过上限", "permanent", "permanent", "permanent"},
      {400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent", "permanent", "permanent", "permanent"},
      {401, "SIGN_ERROR", "验证不通过", "retryable", "retryable", "retryable"},
      {403, "NO_AUTH", "服务商未开通平台收付通", "permanent", "permanent", "permanent"},
      {403, "NO_AUTH", "商户号出入金权限被管控", "permanent", "permanent", "permanent"},
      {404, "NOT_FOUND", "充值单不存在", "not_found", "not_found", "not_found"},
      {429, "FREQUENCY_LIMITED", "频率超限", "rate_limited", "rate_limited", "rate_limited"},
      {429, "RATELIMIT_EXCEEDED", "请求未受理,请降低频率后重试", "rate_limited", "rate_limited", "rate_limited"},
      {403, "RATE_LIMITED", "rate limited", "rate_limited", "rate_limited", "rate_limited"},
      {500, "SYSTEM_ERROR", "系统异常,请稍后重试", "ambiguous", "retryable", "ambiguous"},
      {503, "SERVICE_UNAVAILABLE", "服务不可用", "ambiguous", "retryable", "ambiguous"},
      {502, "SERVICE_UNAVAILABLE", "服务下线", "ambiguous", "retryable", "ambiguous"},
  };
  Rig t;
  for (const auto& c : cases) {
    CAPTURE(c.status);
    CAPTURE(std::string(c.code));
    CAPTURE(std::string(c.message));
    t.platform.enqueue(Reply::error(c.status, c.code, c.message));
    auto a = t.apply();
    t.platform.enqueue(Reply::error(c.status, c.code, c.message));
    auto q = t.query();
    t.platform.enqueue(Reply::error(c.status, c.code, c.message));
    auto cl = t.close();
    CHECK(outcome(a) == std::string(c.apply) + " " + c.code);
    CHECK(outcome(q) == std::string(c.query) + " " + c.code);
    CHECK(outcome(cl) == std::string(c.close) + " " + c.code);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().http_status == c.status);
    CHECK(a.error().request_id.starts_with("08"));
    CHECK(a.error().message.find(c.message) != std::string::npos);
    CHECK(a.error().message.find(std::to_string(c.status)) != std::string::npos);
  }
}

TEST_CASE("a PARAM_ERROR detail names the offending field") {
  Rig t;
  t.platform.enqueue(Reply::json(400, R"({"code":"PARAM_ERROR","message":"参数错误","detail":)"
                                      R"({"field":"/recharge_amount/currency","value":"XYZ","issue":"invalid","location":"body"}})"));
  auto r = t.apply();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "/recharge_amount/currency");
  CHECK(r.error().message.find("/recharge_amount/currency") != std::string::npos);
}

TEST_CASE("bare 429 and 500 answers without a JSON body are still classified by status") {
  Rig t;
  Reply too_many = Reply::json(429, "");
  t.platform.enqueue(too_many);
  CHECK(outcome(t.query()) == "rate_limited HTTP_429");
  t.platform.enqueue(Reply::json(500, "<html>Internal Server Error</html>"));
  CHECK(outcome(t.query()) == "retryable HTTP_500");
  t.platform.enqueue(Reply::json(500, "<html>Internal Server Error</html>"));
  CHECK(outcome(t.apply()) == "ambiguous HTTP_500");
  t.platform.enqueue(Reply::json(202, ""));
  CHECK(outcome(t.close()) == "ambiguous HTTP_202");
}

TEST_CASE("error answers are classified without a signature; a 2xx without a valid one is never data") {
  Rig t;
  Reply unsigned_error = Reply::error(404, "NOT_FOUND", "充值单不存在");
  unsigned_error.signing = Signing::unsigned_answer;
  t.platform.enqueue(unsigned_error);
  CHECK(outcome(t.query()) == "not_found NOT_FOUND");
  struct Case {
    Signing signing;
    std::int64_t skew;
    const char* rule;
  };
  const Case cases[] = {{Signing::wrong_key, 0, "mismatch"},          {Signing::tampered_body, 0, "mismatch"},
                        {Signing::probe, 0, "probe"},                 {Signing::unknown_serial, 0, "unknown_serial"},
                        {Signing::missing_signature, 0, "missing_header"}, {Signing::unsigned_answer, 0, "missing_header"},
                        {Signing::valid, -300, "clock_skew"},         {Signing::valid, 301, "clock_skew"}};
  for (const auto& c : cases) {
    CAPTURE(std::string(c.rule));
    CAPTURE(c.skew);
    Reply apply_reply = Reply::json(200, apply_json());
    apply_reply.signing = c.signing;
    apply_reply.clock_skew_seconds = c.skew;
    t.platform.enqueue(apply_reply);
    auto a = t.apply();
    REQUIRE_FALSE(a.ok());
    CHECK(outcome(a) == "ambiguous signature"); // the apply may have happened: resolve by query
    CHECK(a.error().field == c.rule);
    CHECK(a.error().http_status == 200);
    Reply query_reply = Reply::json(200, order_json("SUCCESS"));
    query_reply.signing = c.signing;
    query_reply.clock_skew_seconds = c.skew;
    t.platform.enqueue(query_reply);
    CHECK(outcome(t.query()) == "retryable signature");
    query_reply.body = order_json("CLOSED");
    t.platform.enqueue(query_reply);
    CHECK(outcome(t.close()) == "ambiguous signature");
  }
  // Within the window a skewed but valid signature is accepted.
  Reply skewed = Reply::json(200, order_json());
  skewed.clock_skew_seconds = -299;
  t.platform.enqueue(skewed);
  CHECK(outcome(t.query()) == "ok");
}

TEST_CASE("a verified answer that is malformed or names another order is not accepted") {
  Rig t;
  for (std::string body : {"{not json", "[]", R"({"recharge_id":"1"})", ""}) {
    CAPTURE(body);
    t.platform.enqueue(Reply::json(200, body));
    CHECK(outcome(t.query()) == "retryable malformed");
    t.platform.enqueue(Reply::json(200, body));
    CHECK(outcome(t.apply()) == "ambiguous malformed");
  }
  t.platform.enqueue(Reply::json(200, apply_json("CZOTHER")));
  auto other = t.apply();
  CHECK(outcome(other) == "ambiguous mismatch");
}

TEST_CASE("a platform slower than the timeout gives ambiguous writes and a retryable query") {
  Rig t([](http::CurlOptions& o) { o.timeout = Millis{250}; });
  Reply slow = Reply::json(200, apply_json());
  slow.delay = Millis{900};
  t.platform.enqueue(slow);
  CHECK(outcome(t.apply()) == "ambiguous timeout");
  t.platform.enqueue(slow);
  CHECK(outcome(t.query()) == "retryable timeout");
  t.platform.enqueue(slow);
  CHECK(outcome(t.close()) == "ambiguous timeout");
}

TEST_CASE("a connection reset mid-answer is ambiguous for writes and retryable for a query") {
  Rig t;
  Reply drop;
  drop.drop_connection = true;
  t.platform.enqueue(drop);
  CHECK(outcome(t.apply()) == "ambiguous reset");
  t.platform.enqueue(drop);
  CHECK(outcome(t.query()) == "retryable reset");
  t.platform.enqueue(Reply::json(200, order_json()));
  CHECK(outcome(t.query()) == "ok"); // the client recovers on a new connection
}

TEST_CASE("an oversized answer is discarded: ambiguous for apply, retryable for query") {
  Rig t([](http::CurlOptions& o) { o.max_response_bytes = 4096; });
  const std::string huge = order_json("SUCCESS", R"(,"recharge_state_desc":")" + std::string(8192, 'x') + "\"");
  t.platform.enqueue(Reply::json(200, huge));
  CHECK(outcome(t.query()) == "retryable too_large");
  t.platform.enqueue(Reply::json(200, huge));
  CHECK(outcome(t.apply()) == "ambiguous too_large");
}

TEST_CASE("when the primary host refuses connections the call fails over to the backup platform") {
  const auto& keys = test::TestKeys::shared();
  ManualClock clock(k_now);
  FakePlatform backup(keys, clock);
  backup.start();
  int dead_port = 0;
  {
    http::Server probe;
    dead_port = probe.start("127.0.0.1", 0).value();
  }
  test::ClientRig rig(keys, test::test_curl_options({http::BaseUrl{"http", "127.0.0.1", dead_port}, backup.base_url()}),
                      clock);
  backup.enqueue(Reply::json(200, apply_json()));
  auto answer = rig.client().apply(test::sample_apply_request(std::string(k_no)));
  REQUIRE(answer.ok());
  REQUIRE(backup.requests().size() == 1);
  CHECK(backup.requests()[0].verified);
  CHECK(rig.transport().preferred_host() == 1);
}

TEST_CASE("when no host accepts a connection, even an apply is retryable: it was never sent") {
  const auto& keys = test::TestKeys::shared();
  ManualClock clock(k_now);
  int dead_port = 0;
  {
    http::Server probe;
    dead_port = probe.start("127.0.0.1", 0).value();
  }
  test::ClientRig rig(keys, test::test_curl_options({http::BaseUrl{"http", "127.0.0.1", dead_port}}), clock);
  auto r = rig.client().apply(test::sample_apply_request(std::string(k_no)));
  CHECK(outcome(r) == "retryable connect");
}

TEST_CASE("one keep-alive connection carries many calls") {
  Rig t;
  for (int i = 0; i < 12; ++i) {
    t.platform.enqueue(Reply::json(200, i % 3 == 0 ? apply_json() : order_json()));
    if (i % 3 == 0) REQUIRE(t.apply().ok());
    else if (i % 3 == 1) REQUIRE(t.query().ok());
    else REQUIRE(t.close().ok());
  }
  CHECK(t.platform.requests().size() == 12);
  CHECK(t.platform.connection_count() == 1);
}

TEST_CASE("invalid input is refused before anything is sent") {
  Rig t;
  auto request = test::sample_apply_request(std::string(k_no));
  request.remark = "充值\xF0\x9F\x98\x80";
  auto a = t.client().apply(request);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().kind == ErrorKind::invalid_input);
  CHECK(a.error().field == "remark");
  CHECK(t.client().query("1900000110", "CZ-1").error().field == "out_recharge_no");
  CHECK(t.client().close("abc", "CZ1").error().field == "sub_mchid");
  CHECK(t.platform.requests().empty());
}

TEST_CASE("the observer sees one record per call with endpoint, status, request id and outcome") {
  Rig t;
  Recorder observer;
  t.client().set_observer(&observer);
  t.platform.enqueue(Reply::json(200, apply_json()));
  REQUIRE(t.apply().ok());
  t.platform.enqueue(Reply::error(429, "FREQUENCY_LIMITED", "频率超限"));
  CHECK_FALSE(t.query().ok());
  (void)t.client().query("1900000110", "bad-no"); // refused locally: no call, no record
  REQUIRE(observer.records.size() == 2);
  CHECK(observer.records[0].endpoint == Endpoint::apply);
  CHECK(observer.records[0].outcome == "ok");
  CHECK(observer.records[0].http_status == 200);
  CHECK(observer.records[0].out_recharge_no == k_no);
  CHECK(observer.records[0].sub_mchid == k_sub);
  CHECK_FALSE(observer.records[0].request_id.empty());
  CHECK(observer.records[1].endpoint == Endpoint::query);
  CHECK(observer.records[1].outcome == "FREQUENCY_LIMITED");
  CHECK(observer.records[1].kind == ErrorKind::rate_limited);
  CHECK(observer.records[1].http_status == 429);
  CHECK(to_string(Endpoint::close) == "close");
}

TEST_CASE("a refused answer signature or a 401 reaches the observer with the rule and the headers as they arrived") {
  Rig t;
  Recorder observer;
  t.client().set_observer(&observer);
  Reply stripped = Reply::json(200, order_json());
  stripped.signing = Signing::missing_signature;
  t.platform.enqueue(stripped);
  CHECK_FALSE(t.query().ok());
  Reply foreign = Reply::json(200, order_json());
  foreign.signing = Signing::unknown_serial;
  t.platform.enqueue(foreign);
  CHECK_FALSE(t.query().ok());
  Reply refused = Reply::error(401, "SIGN_ERROR", "签名错误");
  refused.clock_skew_seconds = 600;
  t.platform.enqueue(refused);
  CHECK_FALSE(t.query().ok());
  t.platform.enqueue(Reply::json(200, order_json()));
  REQUIRE(t.query().ok());
  REQUIRE(observer.records.size() == 4);
  const CallRecord& a = observer.records[0];
  CHECK(a.outcome == "signature");
  CHECK(a.signature_refused == "missing_header");
  CHECK(a.signature_headers.missing() == std::vector<std::string_view>{"Wechatpay-Signature"});
  CHECK(a.signature_headers.serial == test::TestKeys::shared().platform.public_key_id);
  CHECK(a.signature_headers.date.has_value());
  CHECK(observer.records[1].signature_refused == "unknown_serial");
  CHECK(observer.records[1].signature_headers.missing().empty());
  const CallRecord& c = observer.records[2];
  CHECK(c.outcome == "SIGN_ERROR");
  CHECK(c.signature_refused.empty());
  REQUIRE(c.signature_headers.timestamp.has_value());
  CHECK(*c.signature_headers.timestamp == std::to_string(unix_seconds(k_now) + 600));
  // A verified answer carries none of it: the hot path copies nothing.
  CHECK(observer.records[3].signature_refused.empty());
  CHECK_FALSE(observer.records[3].signature_headers.timestamp.has_value());
}

TEST_CASE("the fake platform refuses requests signed by another merchant key or at a skewed time") {
  const auto& keys = test::TestKeys::shared();
  static const auto stranger = test::TestKeys::generate(keys.merchant.mchid);
  ManualClock clock(k_now);
  FakePlatform platform(keys, clock);
  platform.start();
  test::ClientRig impostor(stranger, keys.public_key_mode(), test::test_curl_options({platform.base_url()}), clock);
  auto r = impostor.client().query(k_sub, k_no);
  CHECK(outcome(r) == "retryable SIGN_ERROR");
  REQUIRE(platform.requests().size() == 1);
  CHECK_FALSE(platform.requests()[0].verified);
  ManualClock late(k_now + std::chrono::minutes{5});
  test::ClientRig skewed(keys, test::test_curl_options({platform.base_url()}), late);
  CHECK(outcome(skewed.client().query(k_sub, k_no)) == "retryable SIGN_ERROR");
  CHECK(platform.requests()[1].refusal.find("timestamp") != std::string::npos);
}

TEST_CASE("probe_query sends the query exactly as query() does and hands back the answer unjudged") {
  Rig t;
  Recorder observer;
  t.client().set_observer(&observer);
  Reply missing = Reply::error(404, "NOT_FOUND", "充值单不存在");
  missing.signing = Signing::unknown_serial;
  t.platform.enqueue(missing);
  auto probed = t.client().probe_query(k_sub, k_no);
  REQUIRE(probed.ok());
  CHECK(probed->status == 404);
  CHECK(probed->body.find("NOT_FOUND") != std::string::npos);
  CHECK(probed->headers.get("Wechatpay-Serial").has_value());
  CHECK(observer.records.empty()); // nothing was judged, so nothing is reported
  const auto seen = t.platform.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].verified);
  CHECK(seen[0].method == http::Method::get);
  CHECK(seen[0].target == std::string(k_order_path) + std::string(k_no) + "?sub_mchid=" + std::string(k_sub));
  CHECK_FALSE(t.client().probe_query(k_sub, "not a number!").ok()); // validated like query(): nothing sent
  CHECK(t.platform.requests().size() == 1);
}
