#pragma once

// A rig whose daemon serves the notification listener and /metrics on ports it picks itself: the sandbox
// delivers notifications through a relay to whichever notify port the daemon logged last.

#include "tests/integration/rig.hpp"
#include "tests/support/port_relay.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace recharged::test {

struct ListeningRig {
  explicit ListeningRig(std::vector<std::pair<std::string, std::string>> schedule = {})
      : relay([this] { return last_listening_port(rig.daemon_log_text(), "notify"); }), rig(options(relay)) {
    rig.config().notify_enabled = true;
    rig.config().notify_port = 0;
    rig.config().metrics_enabled = true;
    rig.config().metrics_port = 0; // any: read back from the daemon's `listening` log line
    rig.config().schedule = std::move(schedule);
    rig.write_config();
  }

  static RigOptions options(const PortRelay& relay) {
    RigOptions o;
    o.speed = 60;
    o.sandbox.notifier.notify_target = relay.url();
    return o;
  }

  void apply(const std::string& no) {
    const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "10.00", "--out-recharge-no", no});
    INFO(r.err);
    REQUIRE(r.status.exited(0));
  }

  void pay_now(const std::string& no) {
    sandbox::PayRequest pay;
    pay.settlement = sandbox::Settlement::immediate;
    REQUIRE(rig.platform().pay_now(no, pay).ok());
  }

  // Starts the daemon and waits for its listeners; metrics_port is then where /metrics answers.
  std::unique_ptr<Process> start() {
    auto d = rig.start_daemon();
    REQUIRE(rig.wait_for_log("event=listening", Millis{10'000}));
    metrics_port = listening_port(rig.daemon_log_text(), "metrics");
    REQUIRE(metrics_port > 0);
    return d;
  }

  int metrics_port = 0;
  PortRelay relay; // before rig: the sandbox inside it delivers here
  Rig rig;
};

} // namespace recharged::test
