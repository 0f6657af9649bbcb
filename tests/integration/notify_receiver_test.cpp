// Notifications through the daemon process: the sandbox posts its real, signed and encrypted RECHARGE.*
// notifications to the daemon's [notify] listener; oversized bodies are refused; lost ones are caught by polls.

#include "tests/integration/rig.hpp"
#include "tests/support/idle_connections.hpp"
#include "tests/support/port_relay.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>

using namespace recharged;
using namespace recharged::test;

namespace {

// A rig whose sandbox delivers notifications to the daemon's listener, which binds port 0: through a relay that
// forwards to the port the daemon logged.
struct NotifyRig {
  explicit NotifyRig(double lost_share = 0, std::vector<std::pair<std::string, std::string>> schedule = {})
      : relay([this] { return last_listening_port(rig.daemon_log_text(), "notify"); }),
        rig(options(relay, lost_share)) {
    rig.config().notify_enabled = true;
    rig.config().notify_port = 0;
    rig.config().schedule = std::move(schedule);
    rig.write_config();
  }

  static RigOptions options(const PortRelay& relay, double lost_share) {
    RigOptions o;
    o.speed = 60;
    o.sandbox.notifier.notify_target = relay.url();
    o.sandbox.notifier.lost_share = lost_share;
    return o;
  }

  void apply(const std::string& no) {
    const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "80.00", "--out-recharge-no", no});
    INFO(r.err);
    REQUIRE(r.status.exited(0));
  }

  void pay_now(const std::string& no) {
    sandbox::PayRequest pay;
    pay.channel = sandbox::RechargeChannel::online_bank;
    pay.settlement = sandbox::Settlement::immediate;
    REQUIRE(rig.platform().pay_now(no, pay).ok());
  }

  std::unique_ptr<Process> start() {
    const std::size_t from = rig.daemon_log_text().size();
    auto d = rig.start_daemon();
    REQUIRE(rig.wait_for_log("event=listening notify=127.0.0.1:", Millis{30'000}, from));
    port = last_listening_port(rig.daemon_log_text(), "notify");
    REQUIRE(port > 0);
    return d;
  }

  int port = 0;    // the daemon's own listener, once started
  PortRelay relay; // before rig: the sandbox inside it delivers here
  Rig rig;
};

void stop(Process& daemon) {
  daemon.send(SIGTERM);
  CHECK(daemon.wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
}

std::vector<sandbox::Delivery> deliveries_of(Rig& rig, const std::string& no) {
  std::vector<sandbox::Delivery> out;
  for (auto& d : rig.sandbox().sandbox().notifier().deliveries())
    if (d.out_recharge_no == no) out.push_back(d);
  return out;
}

} // namespace

TEST_CASE("the daemon's receiver takes the sandbox's notification and settles the order well before its next poll") {
  // Sparse polling: after the first look, the next planned query is half a virtual hour away.
  NotifyRig n(0, {{"dense_interval", "30m"}, {"dense_window", "2h"}, {"min_spacing", "10s"}});
  n.apply("NOTIFY1");
  auto daemon = n.start();
  const auto planned = n.rig.order("NOTIFY1")->next_poll_at;
  REQUIRE(planned);
  const auto polls = n.rig.order("NOTIFY1")->poll_count;

  n.pay_now("NOTIFY1");
  const TimePoint paid = n.rig.clock().now();
  REQUIRE(eventually([&] { return n.rig.order("NOTIFY1")->state == orders::OrderState::success; }, Millis{15'000},
                     Millis{50}));
  const auto order = *n.rig.order("NOTIFY1");
  const auto events = n.rig.events("NOTIFY1");
  const auto success = std::find_if(events.begin(), events.end(), [](const orders::OrderEvent& e) {
    return e.new_state == orders::OrderState::success;
  });
  REQUIRE(success != events.end());
  CHECK(success->source == orders::EventSource::notify);
  CHECK(success->at < *planned);                                // long before the planned poll …
  CHECK(success->at - paid < std::chrono::minutes{5});          // … and within minutes of the payment
  CHECK(order.recharge_channel == "ONLINE_BANK");

  const auto notes = n.rig.notifications("NOTIFY1");
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].event_type == "RECHARGE.SUCCESS");
  CHECK(notes[0].outcome == orders::NotificationOutcome::applied);
  const auto sent = deliveries_of(n.rig, "NOTIFY1");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].state == sandbox::DeliveryState::delivered);
  CHECK(sent[0].last_status == 204);
  CHECK(sent[0].id == notes[0].id);
  // The notification was confirmed by a query (never trust a notification alone for money).
  CHECK(eventually([&] { return n.rig.order("NOTIFY1")->poll_count > polls; }, Millis{5'000}));
  CHECK(n.rig.daemon_log_text().find("event=notify_received") != std::string::npos);
  stop(*daemon);
}

TEST_CASE("an oversized notification body gets 413 and changes nothing") {
  NotifyRig n;
  n.apply("NOTIFYBIG1");
  auto daemon = n.start();
  const auto before = n.rig.events("NOTIFYBIG1");
  const std::string body = "{\"id\":\"EV-1\",\"resource\":{\"ciphertext\":\"" + std::string(70 * 1024, 'A') + "\"}}";
  const auto answer = http_post(n.port, "/wxpay/recharge-notify", body,
                                {{"Wechatpay-Serial", "PUB_KEY_ID_0"}, {"Wechatpay-Timestamp", "1"},
                                 {"Wechatpay-Nonce", "x"}, {"Wechatpay-Signature", "x"}});
  INFO(answer.error);
  CHECK(answer.status == 413);
  const auto after = n.rig.events("NOTIFYBIG1");
  CHECK(after.size() == before.size());
  CHECK(n.rig.notifications("NOTIFYBIG1").empty());
  CHECK(n.rig.order("NOTIFYBIG1")->state == orders::OrderState::recharging);

  // A small forged one is refused by the signature check and changes nothing either.
  const auto forged = http_post(n.port, "/wxpay/recharge-notify", "{\"id\":\"EV-2\"}",
                                {{"Wechatpay-Serial", n.rig.sandbox().public_key_id()},
                                 {"Wechatpay-Timestamp", std::to_string(unix_seconds(n.rig.clock().now()))},
                                 {"Wechatpay-Nonce", "abc"}, {"Wechatpay-Signature", "AAAA"}});
  CHECK(forged.status == 401);
  CHECK(n.rig.events("NOTIFYBIG1").size() == before.size());
  CHECK(daemon->running());
  stop(*daemon);
}

TEST_CASE("a notification the sandbox loses is still settled by polling") {
  NotifyRig n(1.0);
  n.apply("NOTIFYLOST1");
  auto daemon = n.start();
  n.pay_now("NOTIFYLOST1");
  REQUIRE(eventually([&] { return n.rig.order("NOTIFYLOST1")->state == orders::OrderState::success; }, Millis{20'000},
                     Millis{100}));
  const auto events = n.rig.events("NOTIFYLOST1");
  const auto success = std::find_if(events.begin(), events.end(), [](const orders::OrderEvent& e) {
    return e.new_state == orders::OrderState::success;
  });
  REQUIRE(success != events.end());
  CHECK(success->source == orders::EventSource::poll);
  CHECK(n.rig.notifications("NOTIFYLOST1").empty());
  const auto sent = deliveries_of(n.rig, "NOTIFYLOST1");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].state == sandbox::DeliveryState::lost);
  CHECK(sent[0].attempts == 0);
  stop(*daemon);
}

TEST_CASE("a reverse proxy's idle keep-alive connections never keep a notification waiting") {
  NotifyRig n;
  n.apply("NOTIFYPOOL1");
  auto daemon = n.start();
  // An nginx upstream pool (`keepalive 24`) after a burst: idle for 5 s, as long as the sandbox — like WeChat
  // Pay — waits for an answer. They must hold no listener worker.
  const IdleConnections pool(n.port, 24, "/wxpay/recharge-notify");
  n.pay_now("NOTIFYPOOL1");
  REQUIRE(eventually([&] { return !deliveries_of(n.rig, "NOTIFYPOOL1").empty() &&
                                  deliveries_of(n.rig, "NOTIFYPOOL1")[0].attempts > 0; },
                     Millis{15'000}, Millis{50}));
  const auto sent = deliveries_of(n.rig, "NOTIFYPOOL1")[0];
  INFO(sent.last_error);
  CHECK(sent.attempts == 1);
  CHECK(sent.state == sandbox::DeliveryState::delivered);
  CHECK(sent.last_status == 204);
  stop(*daemon);
}
