// `recharged run` as a process against the sandbox with simulated payers in accelerated time: a batch of
// orders settles end to end, and kill -9 at random moments loses nothing and applies nothing twice.

#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <random>
#include <thread>

using namespace recharged;
using namespace recharged::test;

namespace {

// Payers who pay within minutes (QR, online banking) or half an hour (bank transfer), or never; nothing is sent
// back. With a 1h stale-close age every order is SUCCESS or CLOSED within ~2 virtual hours.
RigOptions batch_options(std::uint64_t seed) {
  return paying_rig(seed, "never=0.3,qr=0.4,bank=0.2,online=0.4,qr_delay=3m,online_delay=8m,"
                             "bank_delay=20m,spread=0.3,returned=0");
}

void batch_schedule(Rig& rig) {
  rig.config().schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  rig.write_config();
}

void set_faults(Rig& rig, const std::vector<std::pair<std::string, std::string>>& settings) {
  sandbox::FaultConfig f;
  for (const auto& [k, v] : settings) REQUIRE(sandbox::set_fault(f, k, v).ok());
  rig.sandbox().sandbox().faults().set_config(f);
}

// Applies `n` orders through the CLI; returns their numbers. `expect` is the apply's exit code.
std::vector<std::string> apply_batch(Rig& rig, const std::string& prefix, int n, int expect) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const std::string no = prefix + std::to_string(i);
    const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(static_cast<std::size_t>(i) % 3), "--amount",
                            std::to_string(100 + i) + ".00", "--out-recharge-no", no});
    INFO(no, r.err);
    REQUIRE(r.status.exited(expect));
    out.push_back(no);
  }
  return out;
}

bool all_final(const Rig& rig) {
  for (const auto& o : rig.orders())
    if (o.state != orders::OrderState::success && o.state != orders::OrderState::closed) return false;
  return true;
}

std::string states(const Rig& rig) {
  std::string s;
  for (const auto& o : rig.orders()) s += o.out_recharge_no + "=" + std::string(orders::to_string(o.state)) + " ";
  return s;
}

// Every local order is final and says what the platform says; the platform knows exactly these orders and
// was asked to create each of them once.
void check_against_truth(Rig& rig, std::size_t expected_orders) {
  const auto local = rig.orders();
  REQUIRE(local.size() == expected_orders);
  CHECK(rig.platform().orders().size() == expected_orders);
  CHECK(rig.platform().counters().duplicate_applies == 0);
  for (const auto& o : local) {
    CAPTURE(o.out_recharge_no);
    const auto truth = rig.truth(o.out_recharge_no);
    CHECK(truth.applies == 1);
    CHECK(o.recharge_id == truth.deposit.recharge_id);
    CHECK(o.amount == truth.deposit.recharge_amount.amount);
    CHECK(o.sub_mchid == truth.deposit.sub_mchid);
    CHECK(o.platform_state == sandbox::to_string(truth.deposit.recharge_state));
    if (truth.deposit.recharge_state == sandbox::RechargeState::success) {
      CHECK(o.state == orders::OrderState::success);
      CHECK(o.recharge_channel == sandbox::to_string(*truth.deposit.recharge_channel));
      REQUIRE(o.success_time);
      REQUIRE(truth.deposit.success_time);
      CHECK(std::chrono::floor<std::chrono::seconds>(*o.success_time) ==
            std::chrono::floor<std::chrono::seconds>(*truth.deposit.success_time));
    } else {
      CHECK(truth.deposit.recharge_state == sandbox::RechargeState::closed);
      CHECK(o.state == orders::OrderState::closed);
      CHECK(truth.closes >= 1); // closed by the daemon's stale close, not expired by the platform
    }
  }
}

void stop(Process& daemon) {
  daemon.send(SIGTERM);
  const auto ended = daemon.wait_for(Millis{15'000});
  REQUIRE(ended);
  CHECK(ended->exited(0));
}

} // namespace

TEST_CASE("the daemon settles a batch of orders end to end, each as the platform's ground truth says") {
  Rig rig(batch_options(7));
  batch_schedule(rig);
  const auto numbers = apply_batch(rig, "DSETTLE", 10, 0);
  auto daemon = rig.start_daemon();
  const bool settled = eventually([&] { return all_final(rig); }, Millis{90'000}, Millis{250});
  INFO(states(rig));
  CHECK(daemon->running());
  stop(*daemon);
  REQUIRE(settled);
  check_against_truth(rig, numbers.size());
  const auto counters = rig.platform().counters();
  CHECK(counters.success > 0); // the seeded mix has payers and non-payers
  CHECK(counters.closed > 0);
  const std::string log = rig.daemon_log_text();
  CHECK(log.find("event=daemon_started") != std::string::npos);
  CHECK(log.find("event=order_state_changed") != std::string::npos);
  CHECK(log.find("event=daemon_stopped") != std::string::npos);
}

TEST_CASE("kill -9 at random moments while the daemon works loses nothing and applies nothing twice") {
  const std::uint64_t seed = std::random_device{}();
  CAPTURE(seed); // a failure names the seed that reproduces its payers and kill moments
  Rig rig(batch_options(seed % 1000 + 1));
  rig.config().timeout = "2s";
  batch_schedule(rig);
  std::vector<std::string> numbers = apply_batch(rig, "DKILLA", 6, 0);
  // These stay NEW (the platform refused to serve): the daemon must query, then apply each of them itself.
  set_faults(rig, {{"server_error", "1"}});
  for (const auto& no : apply_batch(rig, "DKILLN", 6, 5)) numbers.push_back(no);
  // Half the answers are held after the platform acted (an apply that succeeded but was never recorded when
  // the kill comes), some are slow, a few connections reset.
  set_faults(rig, {{"timeout", "0.4"}, {"timeout_hold", "1500ms"}, {"latency", "0.3"}, {"latency_duration", "150ms"},
                   {"reset", "0.05"}});

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pause_ms(200, 1'500);
  for (int round = 0; round < 6; ++round) {
    auto daemon = rig.start_daemon();
    std::this_thread::sleep_for(std::chrono::milliseconds{pause_ms(rng)}); // a seeded random kill moment: the scenario
    REQUIRE(daemon->running());
    daemon->kill_hard();
    const auto status = daemon->wait_for(Millis{0});
    REQUIRE(status);
    CHECK(status->signal == SIGKILL);
    for (const auto& o : rig.orders()) CHECK(o.state != orders::OrderState::suspect);
  }
  set_faults(rig, {});
  auto daemon = rig.start_daemon();
  const bool settled = eventually([&] { return all_final(rig); }, Millis{90'000}, Millis{250});
  INFO(states(rig));
  stop(*daemon);
  REQUIRE(settled);
  check_against_truth(rig, numbers.size());
  for (const auto& no : numbers) {
    CAPTURE(no);
    const auto events = rig.events(no);
    CHECK(events.front().kind == orders::EventKind::created); // written before any call (write-ahead)
    // An order found NEW again is applied only after a query found nothing at the platform.
    bool not_found_seen = false;
    int accepted = 0;
    for (const auto& e : events) {
      if (e.endpoint == "query" && e.http_status == 404) not_found_seen = true;
      if (e.endpoint == "apply" && e.http_status == 200) {
        ++accepted;
        if (no.starts_with("DKILLN")) CHECK(not_found_seen);
      }
    }
    CHECK(accepted <= 1);
  }
}
