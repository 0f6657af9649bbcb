// Push health on the real binary: with notifications flowing the daemon judges push healthy and polls open
// orders on the sparse safety net; when the sandbox loses notifications or the merchant's endpoint is down, the
// daemon's queries find payments nobody notified, it turns recharged_push_healthy 0 with a reason, logs it and
// puts every open order back on the full schedule at once; when the endpoint is back it recovers.

#include "tests/integration/listening_rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;
using namespace std::chrono;

namespace {

constexpr Millis k_wait{120'000}; // real time; virtual time runs 60 times faster

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

struct PushRig : ListeningRig {
  PushRig() : ListeningRig({{"push_recover_count", "2"}, {"push_miss_limit", "2"}}) {}

  void fault(const std::string& key, const std::string& value) {
    auto& faults = rig.sandbox().sandbox().faults();
    sandbox::FaultConfig c = faults.config();
    REQUIRE(sandbox::set_fault(c, key, value).ok());
    faults.set_config(c);
  }

  double healthy() {
    const auto r = http_get(metrics_port, "/metrics");
    return metric(r.body, "recharged_push_healthy").value_or(-1);
  }

  json health() {
    const auto r = http_get(metrics_port, "/healthz");
    return r.status == 0 ? json::object() : json::parse(r.body);
  }

  bool wait_healthy(double value) {
    return eventually([&] { return healthy() == value; }, k_wait, Millis{100});
  }

  std::string reason(const std::string& no) { return rig.order(no).value().next_poll_reason; }

  // Notifications flow: two orders paid and notified make push healthy (push_recover_count = 2).
  void become_healthy() {
    CHECK(healthy() == 0);
    CHECK(health()["push"]["health"] == "unknown");
    apply("PUSHOK1");
    apply("PUSHOK2");
    pay_now("PUSHOK1");
    pay_now("PUSHOK2");
    REQUIRE(wait_healthy(1));
    CHECK(health()["push"]["health"] == "healthy");
    CHECK(health()["push"]["schedule"] == "safety net");
    CHECK(rig.wait_for_log("event=push_health_changed health=healthy", Millis{5'000}));
  }

  // An open order the daemon has planned on the safety net: its next poll is far apart from its last.
  void on_safety_net(const std::string& no) {
    apply(no);
    REQUIRE(eventually([&] { return starts_with(reason(no), "safety net:"); }, k_wait, Millis{100}));
    const auto o = rig.order(no).value();
    REQUIRE(o.last_poll_at.has_value());
    REQUIRE(o.next_poll_at.has_value());
    CHECK(*o.next_poll_at - *o.last_poll_at >= minutes{9}); // the full schedule would come back in 90 s
    const auto explained = rig.cli({"schedule", "explain", no});
    CHECK(explained.out.find("schedule: safety net") != std::string::npos);
  }

  // Two open orders are paid while their notifications cannot arrive: the safety net's queries find them paid
  // with no notification, push turns unhealthy, and `open` is back on the full schedule at once.
  void break_push(const std::string& open) {
    const std::size_t from = rig.daemon_log_text().size();
    apply("PUSHLOST1");
    apply("PUSHLOST2");
    pay_now("PUSHLOST1");
    pay_now("PUSHLOST2");
    REQUIRE(wait_healthy(0));
    const json h = health();
    CHECK(h["push"]["health"] == "unhealthy");
    CHECK(h["push"]["schedule"] == "full");
    const std::string why = h["push"]["reason"].get<std::string>();
    CHECK(why.find("lost or refused") != std::string::npos);
    CHECK(why.find("no notification within") != std::string::npos);
    CHECK(h["status"] == "ok"); // push trouble is alerted on, not a failing daemon
    CHECK(rig.wait_for_log("event=push_health_changed health=unhealthy", Millis{5'000}, from));
    CHECK(rig.wait_for_log("event=push_replanned", Millis{10'000}, from));
    CHECK(rig.daemon_log_text().substr(from).find("event=push_replanned orders=0") == std::string::npos); // moved
    // The open order is young: back on the full schedule, its next poll is the QR window's, 90 s apart.
    REQUIRE(eventually([&] { return !starts_with(reason(open), "safety net:"); }, k_wait, Millis{100}));
    const auto o = rig.order(open).value();
    INFO(o.next_poll_reason);
    CHECK(o.state == orders::OrderState::recharging);
    CHECK(starts_with(o.next_poll_reason, "qr window:"));
    const auto lost = metric(http_get(metrics_port, "/metrics").body, "recharged_push_lost_notifications_total");
    CHECK(lost.value_or(0) >= 2);
  }

};

void stop(Process& daemon) {
  daemon.send(SIGTERM);
  CHECK(daemon.wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
}

} // namespace

TEST_CASE("an outage of the notification endpoint turns push unhealthy, back to the full schedule, and it recovers") {
  PushRig p;
  auto daemon = p.start();
  p.become_healthy();
  p.on_safety_net("PUSHOPEN1");
  p.fault("notify_endpoint", "down");
  p.break_push("PUSHOPEN1");
  // The endpoint is back: the platform's retries deliver the backlog, and push is healthy again.
  p.fault("notify_endpoint", "up");
  REQUIRE(p.wait_healthy(1));
  CHECK(eventually([&] { return p.rig.notifications("PUSHLOST1").size() == 1; }, k_wait, Millis{100}));
  stop(*daemon);
}

TEST_CASE("lost notifications turn push unhealthy with the orders that went unnotified as the reason") {
  PushRig p;
  auto daemon = p.start();
  p.become_healthy();
  p.on_safety_net("PUSHOPEN2");
  p.fault("notify_lost", "1");
  p.break_push("PUSHOPEN2");
  CHECK(p.rig.notifications("PUSHLOST1").empty());
  const std::string log = p.rig.daemon_log_text();
  CHECK(log.find("PUSHLOST") != std::string::npos);
  stop(*daemon);
}
