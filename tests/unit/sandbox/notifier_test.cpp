#include "sandbox/notifier.hpp"

#include "crypto/aes_gcm.hpp"
#include "crypto/base64.hpp"
#include "http/server.hpp"
#include "tests/support/sandbox_fixture.hpp"
#include "tests/unit/sandbox/sandbox_test_util.hpp"
#include "wxpay/codec.hpp"
#include "wxpay/notification.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <mutex>
#include <numeric>

using namespace recharged;
using namespace recharged::sandbox_test;
using sandbox::RechargeChannel;
using namespace std::chrono_literals;

namespace {

// The daemon's side in miniature: a notify_url listener on 127.0.0.1 that records what arrives and answers
// with scripted statuses (then `fallback`), or with what `judge` decides.
class Receiver {
public:
  Receiver() {
    server_.route(http::Method::post, "/wxpay/recharge-notify", [this](const http::ServerRequest& r) {
      std::lock_guard lock(mu_);
      got_.push_back(r);
      int status = fallback;
      if (!script_.empty()) {
        status = script_.front();
        script_.pop_front();
      } else if (judge) {
        status = judge(r);
      }
      http::Response out;
      out.status = status;
      if (status >= 300) out.body = R"({"code":"FAIL","message":"失败"})";
      return out;
    });
    port_ = server_.start("127.0.0.1", 0).value();
  }

  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void script(std::initializer_list<int> statuses) {
    std::lock_guard lock(mu_);
    script_.assign(statuses);
  }
  [[nodiscard]] std::size_t count() const {
    std::lock_guard lock(mu_);
    return got_.size();
  }
  [[nodiscard]] http::ServerRequest at(std::size_t i) const {
    std::lock_guard lock(mu_);
    return got_.at(i);
  }

  int fallback = 204;
  std::function<int(const http::ServerRequest&)> judge;

private:
  mutable std::mutex mu_;
  std::vector<http::ServerRequest> got_;
  std::deque<int> script_;
  http::Server server_;
  int port_ = 0;
};

struct NotifyRig {
  Receiver receiver;
  ManualClock clock{sh("2026-11-23T10:00:00")};
  test::SandboxFixture sandbox;

  explicit NotifyRig(test::SandboxFixtureOptions options = {}) : sandbox(clock, with_target(std::move(options))) {}

  test::SandboxFixtureOptions with_target(test::SandboxFixtureOptions o) {
    if (o.notifier.notify_target.empty()) o.notifier.notify_target = receiver.base_url();
    return o;
  }
  void apply(const std::string& no, std::optional<std::string> remark = std::nullopt) {
    auto r = sandbox.platform_request(no);
    r.remark = std::move(remark);
    REQUIRE(sandbox.platform().apply(r).ok());
  }
  void pay(const std::string& no, RechargeChannel channel, std::optional<std::string> return_reason = std::nullopt) {
    REQUIRE(sandbox.platform().pay_now(no, {channel, sandbox::Settlement::immediate, std::move(return_reason)}).ok());
  }
  wxpay::OpenedNotification open(std::size_t i) {
    const auto r = receiver.at(i);
    auto opened = wxpay::open_notification(sandbox.platform_keys(), sandbox.apiv3_key(), r.headers, r.body, clock.now());
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
  std::vector<sandbox::Delivery> deliveries() { return sandbox.sandbox().notifier().deliveries(); }
  bool delivery_is(sandbox::DeliveryState s) {
    const auto d = deliveries();
    return !d.empty() && d.front().state == s;
  }
  int attempts() {
    const auto d = deliveries();
    return d.empty() ? 0 : d.front().attempts;
  }
};

} // namespace

TEST_CASE("the default retry schedule is the platform's: 15 intervals adding up to 24 hours 4 minutes") {
  const auto s = sandbox::default_retry_schedule();
  CHECK(s.size() == 15);
  CHECK(s.front() == 15s);
  CHECK(s.back() == 6h);
  CHECK(std::accumulate(s.begin(), s.end(), Millis{0}) == 24h + 4min);
}

TEST_CASE("a SUCCESS notification reaches the notify_url path, verifies and decrypts to the paid order with its remark") {
  NotifyRig rig;
  rig.apply("RC1", "保证金充值");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.receiver.count() == 1; }));
  const auto req = rig.receiver.at(0);
  CHECK(req.headers.get("Wechatpay-Serial") == rig.sandbox.public_key_id());
  CHECK(req.headers.get("Request-ID").has_value());
  CHECK(req.headers.get("Content-Type") == "application/json");
  const auto opened = rig.open(0);
  CHECK(opened.envelope.event_type == "RECHARGE.SUCCESS");
  CHECK(opened.envelope.resource_type == "encrypt-resource");
  CHECK(opened.envelope.resource.original_type == "recharge");
  CHECK(opened.envelope.resource.algorithm == "AEAD_AES_256_GCM");
  CHECK(opened.envelope.id.size() <= 36);
  CHECK(opened.envelope.create_time == rig.clock.now());
  auto order = wxpay::decode_mch_deposit(opened.plaintext);
  REQUIRE(order.ok());
  CHECK(order->recharge_state.value == wxpay::RechargeState::success);
  CHECK(order->out_recharge_no == "RC1");
  CHECK(order->remark == "保证金充值");
  CHECK(order->recharge_channel->value == wxpay::RechargeChannel::qr_recharge);
  CHECK(order->qr_recharge_info.has_value());
  REQUIRE(eventually([&] { return rig.delivery_is(sandbox::DeliveryState::delivered); }));
}

TEST_CASE("a merchant close and a link expiry each send RECHARGE.CLOSED with their reason") {
  NotifyRig rig;
  rig.apply("RC1");
  rig.apply("RC2");
  REQUIRE(rig.sandbox.platform().close(rig.sandbox.sub_mchid(), "RC1").ok());
  REQUIRE(eventually([&] { return rig.receiver.count() == 1; }));
  auto closed = wxpay::decode_mch_deposit(rig.open(0).plaintext);
  REQUIRE(closed.ok());
  CHECK(closed->out_recharge_no == "RC1");
  CHECK(closed->recharge_state_desc == "平台商户主动关闭充值单");
  rig.clock.advance(std::chrono::hours{24 * 7});
  REQUIRE(eventually([&] { return rig.receiver.count() == 2; }));
  const auto opened = rig.open(1);
  CHECK(opened.envelope.event_type == "RECHARGE.CLOSED");
  auto expired = wxpay::decode_mch_deposit(opened.plaintext);
  REQUIRE(expired.ok());
  CHECK(expired->out_recharge_no == "RC2");
  CHECK(expired->recharge_state_desc == "超过时间限制,系统自动关闭充值单");
  CHECK(expired->close_time == sh("2026-11-30T10:00:00"));
}

TEST_CASE("a returned transfer sends RECHARGE.FUND_RETURNED with the returned money") {
  NotifyRig rig;
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::bank_transfer, std::string(sandbox::k_return_wrong_name));
  REQUIRE(eventually([&] { return rig.receiver.count() == 1; }));
  const auto opened = rig.open(0);
  CHECK(opened.envelope.event_type == "RECHARGE.FUND_RETURNED");
  auto returned = wxpay::decode_fund_returned(opened.plaintext);
  REQUIRE(returned.ok());
  CHECK(returned->out_recharge_no == "RC1");
  CHECK(returned->recharge_channel.text == "BANK_TRANSFER");
  CHECK(returned->return_reason == std::string(sandbox::k_return_wrong_name));
  CHECK(returned->amount == wxpay::Amount{10'000, "CNY"});
  CHECK(returned->return_time == rig.clock.now());
}

TEST_CASE("a failed delivery is sent again after 15 s of sandbox time, as the same notification") {
  NotifyRig rig;
  rig.receiver.script({500});
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.attempts() == 1; }));
  CHECK(rig.delivery_is(sandbox::DeliveryState::pending));
  CHECK(rig.deliveries().front().last_status == 500);
  rig.clock.advance(14s);
  rig.sandbox.sandbox().flush();
  CHECK(rig.receiver.count() == 1);
  rig.clock.advance(1s);
  REQUIRE(eventually([&] { return rig.delivery_is(sandbox::DeliveryState::delivered); }));
  CHECK(rig.receiver.count() == 2);
  CHECK(rig.receiver.at(0).body == rig.receiver.at(1).body);
  CHECK(rig.attempts() == 2);
  const auto first = std::stoll(std::string(rig.receiver.at(0).headers.get("Wechatpay-Timestamp").value()));
  const auto second = std::stoll(std::string(rig.receiver.at(1).headers.get("Wechatpay-Timestamp").value()));
  CHECK(second - first == 15);
}

TEST_CASE("a notification nobody accepts is given up after the last retry") {
  test::SandboxFixtureOptions options;
  options.notifier.notify_target = "http://127.0.0.1:1"; // nothing listens there
  options.notifier.retry_schedule = {1s, 2s};
  NotifyRig rig(options);
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.attempts() == 1; }));
  rig.clock.advance(1s);
  REQUIRE(eventually([&] { return rig.attempts() == 2; }));
  rig.clock.advance(2s);
  REQUIRE(eventually([&] { return rig.delivery_is(sandbox::DeliveryState::given_up); }));
  CHECK(rig.attempts() == 3);
  CHECK(rig.deliveries().front().last_status == 0);
  CHECK_FALSE(rig.deliveries().front().last_error.empty());
}

TEST_CASE("a lost notification is never sent") {
  test::SandboxFixtureOptions options;
  options.notifier.lost_share = 1.0;
  NotifyRig rig(options);
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.delivery_is(sandbox::DeliveryState::lost); }));
  rig.clock.advance(1h);
  rig.sandbox.sandbox().flush();
  CHECK(rig.receiver.count() == 0);
  CHECK(rig.attempts() == 0);
}

TEST_CASE("a probe-signed delivery fails verification and the retry carries a valid signature") {
  test::SandboxFixtureOptions options;
  options.faults.notify_probe_signature = 1.0;
  NotifyRig rig(options);
  rig.receiver.judge = [&rig](const http::ServerRequest& r) {
    auto opened = wxpay::open_notification(rig.sandbox.platform_keys(), rig.sandbox.apiv3_key(), r.headers, r.body,
                                           rig.clock.now());
    return opened.ok() ? 204 : 401;
  };
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.attempts() == 1; }));
  CHECK(rig.deliveries().front().last_status == 401);
  CHECK(rig.receiver.at(0).headers.get("Wechatpay-Signature").value_or("").starts_with("WECHATPAY/SIGNTEST/"));
  rig.sandbox.sandbox().faults().set_config({});
  rig.clock.advance(15s);
  REQUIRE(eventually([&] { return rig.delivery_is(sandbox::DeliveryState::delivered); }));
  CHECK(rig.open(1).envelope.event_type == "RECHARGE.SUCCESS");
}

TEST_CASE("orders applied without a notify_url get no notification") {
  NotifyRig rig;
  auto r = rig.sandbox.platform_request("RC1");
  r.notify_url.reset();
  REQUIRE(rig.sandbox.platform().apply(r).ok());
  rig.pay("RC1", RechargeChannel::qr_recharge);
  rig.sandbox.sandbox().flush();
  CHECK(rig.deliveries().empty());
  CHECK(rig.receiver.count() == 0);
}

TEST_CASE("without a notify target the notification goes to the notify_url itself") {
  Receiver receiver;
  ManualClock clock(sh("2026-11-23T10:00:00"));
  test::SandboxFixture sandbox(clock);
  auto r = sandbox.platform_request("RC1");
  r.notify_url = "https://127.0.0.1:1/wxpay/recharge-notify"; // https: the apply rules require it
  REQUIRE(sandbox.platform().apply(r).ok());
  REQUIRE(sandbox.platform().close(sandbox.sub_mchid(), "RC1").ok());
  REQUIRE(eventually([&] { return !sandbox.sandbox().notifier().deliveries().empty(); }));
  CHECK(sandbox.sandbox().notifier().deliveries().front().url == "https://127.0.0.1:1/wxpay/recharge-notify");
  CHECK(receiver.count() == 0);
}

TEST_CASE("a notification verifies and decrypts by the rules alone: RSA over TS\\nNONCE\\nBODY\\n, AES-256-GCM") {
  NotifyRig rig;
  rig.apply("RC1", "备注");
  rig.pay("RC1", RechargeChannel::online_bank);
  REQUIRE(eventually([&] { return rig.receiver.count() == 1; }));
  const auto req = rig.receiver.at(0);
  const std::string message = std::string(req.headers.get("Wechatpay-Timestamp").value_or("")) + "\n" +
                              std::string(req.headers.get("Wechatpay-Nonce").value_or("")) + "\n" + req.body + "\n";
  const auto signature = crypto::base64_decode(req.headers.get("Wechatpay-Signature").value_or(""));
  REQUIRE(signature.ok());
  CHECK(rig.sandbox.state().platform.private_key.public_key().verify_sha256(message, *signature));
  const auto envelope = nlohmann::json::parse(req.body);
  const auto& resource = envelope["resource"];
  CHECK(resource["nonce"].get<std::string>().size() == 12);
  const auto sealed = crypto::base64_decode(resource["ciphertext"].get<std::string>());
  REQUIRE(sealed.ok());
  const auto plain = crypto::aead_aes_256_gcm_open(rig.sandbox.apiv3_key(), resource["nonce"].get<std::string>(),
                                                   resource["associated_data"].get<std::string>(), *sealed);
  REQUIRE(plain.ok());
  const auto order = nlohmann::json::parse(*plain);
  CHECK(order["out_recharge_no"] == "RC1");
  CHECK(order["recharge_state"] == "SUCCESS");
  CHECK(order["recharge_channel"] == "ONLINE_BANK");
  CHECK(order["remark"] == "备注");
}

TEST_CASE("notification resources take the configured answer shapes too") {
  test::SandboxFixtureOptions options;
  options.faults.omit_fields = {"recharge_amount.amount"};
  options.faults.extra_fields = 1;
  options.faults.account_type_as = "FEES";
  NotifyRig rig(options);
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.receiver.count() == 1; }));
  auto order = wxpay::decode_mch_deposit(rig.open(0).plaintext);
  REQUIRE(order.ok());
  CHECK_FALSE(order->recharge_amount.amount.has_value());
  CHECK(order->account_type.text == "FEES");
  CHECK(rig.open(0).plaintext.find("sandbox_unlisted_order") != std::string::npos);
}

TEST_CASE("while the merchant's endpoint is down every attempt fails unsent, and the retry after it is delivered") {
  NotifyRig rig;
  auto down = rig.sandbox.sandbox().faults().config();
  REQUIRE(sandbox::set_fault(down, "notify_endpoint", "down").ok());
  rig.sandbox.sandbox().faults().set_config(down);
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.attempts() == 1; }));
  rig.clock.advance(15s);
  REQUIRE(eventually([&] { return rig.attempts() == 2; }));
  CHECK(rig.receiver.count() == 0);
  CHECK(rig.delivery_is(sandbox::DeliveryState::pending));
  CHECK(rig.deliveries().front().last_error.find("notify_endpoint=down") != std::string::npos);
  auto up = down;
  REQUIRE(sandbox::set_fault(up, "notify_endpoint", "up").ok());
  rig.sandbox.sandbox().faults().set_config(up);
  rig.clock.advance(15s);
  REQUIRE(eventually([&] { return rig.delivery_is(sandbox::DeliveryState::delivered); }));
  CHECK(rig.receiver.count() == 1);
  CHECK(rig.attempts() == 3);
}

TEST_CASE("the notify_lost fault loses new notifications at run time") {
  NotifyRig rig;
  auto lost = rig.sandbox.sandbox().faults().config();
  REQUIRE(sandbox::set_fault(lost, "notify_lost", "1").ok());
  rig.sandbox.sandbox().faults().set_config(lost);
  rig.apply("RC1");
  rig.pay("RC1", RechargeChannel::qr_recharge);
  REQUIRE(eventually([&] { return rig.delivery_is(sandbox::DeliveryState::lost); }));
  CHECK(rig.receiver.count() == 0);
}
