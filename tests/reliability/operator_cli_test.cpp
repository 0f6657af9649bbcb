// Operator faults with the CLI, on the real binary beside a running daemon: scripts applying the same order in
// parallel, an apply whose outcome stays unknown (and the number it must name), and `close` of an order that
// turned out paid. Afterwards every call the platform answered is in the audit trail.

#include "tests/reliability/ground_truth.hpp"
#include "tests/reliability/reliability_rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <set>

using namespace recharged;
using namespace recharged::test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> apply_args(Rig& rig, const std::string& no, std::size_t sub = 0) {
  return {"apply", "--sub-mchid", rig.sub_mchid(sub), "--amount", "66.00", "--out-recharge-no", no};
}

// `recharged -c <config> args…` in the background, its stdout kept in `out`.
std::unique_ptr<Process> start_script(Rig& rig, std::vector<std::string> args, const std::filesystem::path& out) {
  ProcessOptions o;
  o.args = {"-c", rig.config_path().string()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "RECHARGED_CONFIG", "CREDENTIALS_DIRECTORY"};
  o.cwd = rig.dir().path();
  o.stdout_file = out;
  return std::make_unique<Process>(recharged_binary(), std::move(o));
}

} // namespace

TEST_CASE("twenty scripts applying one number beside the daemon: one apply reaches the platform, all print its link") {
  Rig rig;
  rig.config().timeout = "5s";
  rig.write_config();
  // Slow answers keep every apply in flight while the others start.
  set_faults(rig, {{"latency", "1"}, {"latency_duration", "300ms"}});
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=daemon_started", Millis{30'000}));

  std::vector<std::unique_ptr<Process>> scripts;
  auto out = [&](std::size_t i) { return rig.dir() / ("script" + std::to_string(i) + ".out"); };
  for (std::size_t i = 0; i < 20; ++i) scripts.push_back(start_script(rig, apply_args(rig, "SAME1"), out(i)));
  for (std::size_t i = 0; i < 10; ++i)
    scripts.push_back(start_script(rig, apply_args(rig, order_number("OWN", i), i % 3), out(20 + i)));
  std::set<std::string> links;
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    const auto status = scripts[i]->wait_for(Millis{120'000});
    REQUIRE(status);
    CHECK(status->exited(0));
    if (i < 20) links.insert(slurp(out(i)));
  }
  CHECK(rig.platform().applies("SAME1") == 1);
  CHECK(links.size() == 1); // every script got the one recharge_url of the one apply
  CHECK(contains(*links.begin(), "https://"));
  for (std::size_t i = 0; i < 10; ++i) CHECK(rig.platform().applies(order_number("OWN", i)) == 1);

  set_faults(rig, {});
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{30'000}));
  const DatabaseSnapshot db = read_database(rig.database_path());
  const auto gaps = trail_problems(db, rig.sandbox().sandbox().server());
  CHECK_MESSAGE(gaps.empty(), describe(gaps));
}

TEST_CASE("an apply whose outcome stays unknown names its generated number and the safe re-run, in text and JSON") {
  Rig rig;
  rig.config().timeout = "1s";
  rig.write_config();
  set_faults(rig, {{"timeout", "1"}, {"timeout_hold", "3s"}});
  const std::vector<std::string> generated{"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "12.00"};
  const auto text = rig.cli(generated);
  auto json_args = generated;
  json_args.push_back("--json");
  const auto json = rig.cli(json_args);
  set_faults(rig, {});
  INFO(text.err, "\n", json.err);
  CHECK(text.status.exited(5));
  CHECK(json.status.exited(5));
  const auto orders = rig.orders();
  REQUIRE(orders.size() == 2);
  for (const auto& o : orders) CHECK(o.state == orders::OrderState::new_order);
  const std::string& first = orders[1].out_recharge_no; // list is newest first
  CHECK(contains(text.err, "The order " + first + " is recorded (NEW)"));
  CHECK(contains(text.err, "--out-recharge-no " + first));
  CHECK(contains(text.err, "would create a second order"));
  const auto answer = nlohmann::json::parse(json.out);
  CHECK(answer["out_recharge_no"] == orders[0].out_recharge_no);
  CHECK(answer["state"] == "NEW");
  CHECK(answer["exit_code"] == 5);
  CHECK(answer["error"]["kind"] == "ambiguous");

  // The safe re-run settles it by query, without a second apply at the platform.
  auto rerun = generated;
  rerun.insert(rerun.end(), {"--out-recharge-no", first});
  const auto again = rig.cli(rerun);
  INFO(again.err);
  CHECK((again.status.exited(0) || again.status.exited(8)));
  CHECK(rig.platform().applies(first) == 1);
}
