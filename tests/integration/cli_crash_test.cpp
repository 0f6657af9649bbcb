// Crash points around `recharged apply`, through the binary: the platform hangs, loses the answer, refuses to
// serve, or dies while the apply is in flight. Each time the command exits 5 with the order NEW; a re-run
// settles it by query first and never applies twice.

#include "tests/integration/rig.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <cstdlib>

using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> apply_args(const std::string& sub, const std::string& no) {
  return {"apply", "--sub-mchid", sub, "--amount", "300.00", "--out-recharge-no", no, "--json"};
}

void set_faults(Rig& rig, const std::vector<std::pair<std::string, std::string>>& settings) {
  sandbox::FaultConfig f;
  for (const auto& [k, v] : settings) REQUIRE(sandbox::set_fault(f, k, v).ok());
  rig.sandbox().sandbox().faults().set_config(f);
}

// The port in the `recharged sandbox` banner ("… platform on http://127.0.0.1:PORT"), or 0.
int banner_port(const std::string& out) {
  const std::string marker = "platform on http://127.0.0.1:";
  const auto at = out.find(marker);
  if (at == std::string::npos) return 0;
  return std::atoi(out.c_str() + at + marker.size());
}

} // namespace

TEST_CASE("an apply whose answer is lost after the platform acted exits 5, stays NEW, and a re-run recovers it by "
          "query without a second apply") {
  for (const std::string fault : {"timeout", "reset"}) {
    CAPTURE(fault);
    Rig rig;
    rig.config().timeout = "1s";
    rig.write_config();
    set_faults(rig, {{fault, "1"}, {"timeout_hold", "3s"}});
    const auto lost = rig.cli(apply_args(rig.sub_mchid(), "CLICRASH1"));
    CHECK(lost.status.exited(5));
    CHECK(lost.err.find("may or may not have reached WeChat Pay") != std::string::npos);
    CHECK(lost.err.find("re-run the same command") != std::string::npos);
    auto order = rig.order("CLICRASH1");
    REQUIRE(order);
    CHECK(order->state == orders::OrderState::new_order);
    CHECK(rig.truth("CLICRASH1").applies == 1); // the platform did act

    set_faults(rig, {});
    const auto again = rig.cli(apply_args(rig.sub_mchid(), "CLICRASH1"));
    INFO(again.err);
    CHECK(again.status.exited(8)); // RECHARGING, but the link is lost: the same exit code as without --json
    CHECK(json::parse(again.out)["state"] == "RECHARGING");
    order = rig.order("CLICRASH1");
    CHECK(order->state == orders::OrderState::recharging);
    CHECK(order->recharge_id == rig.truth("CLICRASH1").deposit.recharge_id);
    CHECK(rig.truth("CLICRASH1").applies == 1);
    CHECK(rig.platform().counters().duplicate_applies == 0);

    // The re-run says why there is no recharge_url to print (only the first apply returns it).
    const auto text = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "300.00", "--out-recharge-no",
                               "CLICRASH1"});
    CHECK(text.status.exited(8));
    CHECK(text.err.find("its recharge_url was never recorded") != std::string::npos);
    CHECK(rig.truth("CLICRASH1").applies == 1);
  }
}

TEST_CASE("an apply the platform refuses to serve (500) exits 5, stays NEW, and a re-run applies it exactly once") {
  Rig rig;
  set_faults(rig, {{"server_error", "1"}});
  const auto down = rig.cli(apply_args(rig.sub_mchid(), "CLIDOWN1"));
  CHECK(down.status.exited(5));
  REQUIRE(rig.order("CLIDOWN1"));
  CHECK(rig.order("CLIDOWN1")->state == orders::OrderState::new_order);
  CHECK_FALSE(rig.platform().truth("CLIDOWN1").has_value());

  set_faults(rig, {});
  const auto again = rig.cli(apply_args(rig.sub_mchid(), "CLIDOWN1"));
  INFO(again.err);
  CHECK(again.status.exited(0));
  const json j = json::parse(again.out);
  CHECK(j["state"] == "RECHARGING");
  CHECK_FALSE(j["recharge_url"].get<std::string>().empty()); // applied now, so the URL is known
  CHECK(rig.truth("CLIDOWN1").applies == 1);
}

TEST_CASE("an apply in flight when the sandbox process is killed exits 5, stays NEW, and a re-run against the "
          "restarted sandbox applies it once") {
  TempDir dir;
  auto sandbox_args = [&](bool slow) {
    ProcessOptions o;
    o.args = {"sandbox", "--state-dir", (dir / "state").string(), "--listen", "127.0.0.1:0",
              "--payers", "manual", "--notify-to", "", "--calendar",
              (fs::path(RECHARGED_SOURCE_DIR) / "data/calendar").string()};
    if (slow) o.args.insert(o.args.end(), {"--fault-latency", "1", "--fault-latency-duration", "10s"});
    o.stdout_file = dir / (slow ? "sandbox1.out" : "sandbox2.out");
    return o;
  };
  auto platform = std::make_unique<Process>(recharged_binary(), sandbox_args(true));
  REQUIRE(eventually([&] { return slurp(dir / "sandbox1.out").find("Stop with Ctrl-C") != std::string::npos; },
                     Millis{30'000}));
  const int slow_port = banner_port(slurp(dir / "sandbox1.out"));
  REQUIRE(slow_port > 0);
  const fs::path config = dir / "state" / "recharged.toml"; // each sandbox start rewrites it with its own port
  ProcessOptions migrate;
  migrate.args = {"-c", config.string(), "migrate"};
  REQUIRE(run_process(recharged_binary(), migrate).status.exited(0));
  ProcessOptions apply;
  apply.args = {"-c", config.string(), "apply", "--sub-mchid", "1900000101", "--amount", "1.00", "--out-recharge-no",
                "CLIKILLED1"};
  Process cli(recharged_binary(), apply);
  // The apply is in flight once the CLI holds a connection to the platform (which the latency fault then holds).
  REQUIRE(eventually([&] { return connected_to(cli.pid(), slow_port) || !cli.running(); }, Millis{30'000}, Millis{5}));
  REQUIRE(cli.running());
  platform->kill_hard();
  const auto ended = cli.wait_for(Millis{20'000});
  REQUIRE(ended);
  CHECK(ended->exited(5));
  INFO(cli.stderr_text());

  ProcessOptions show_args;
  show_args.args = {"-c", config.string(), "show", "CLIKILLED1", "--json"};
  const auto show = run_process(recharged_binary(), show_args);
  REQUIRE(show.status.exited(0));
  CHECK(json::parse(show.out)["state"] == "NEW");

  platform = std::make_unique<Process>(recharged_binary(), sandbox_args(false));
  REQUIRE(eventually([&] { return slurp(dir / "sandbox2.out").find("Stop with Ctrl-C") != std::string::npos; },
                     Millis{30'000}));
  const int port = banner_port(slurp(dir / "sandbox2.out"));
  REQUIRE(port > 0);
  apply.args.emplace_back("--json");
  const auto again = run_process(recharged_binary(), apply);
  INFO(again.err);
  CHECK(again.status.exited(0));
  CHECK(json::parse(again.out)["state"] == "RECHARGING");
  const auto truth = http_get(port, "/sandbox/orders/CLIKILLED1");
  REQUIRE(truth.status == 200);
  CHECK(json::parse(truth.body)["applies"] == 1);
  platform->send(SIGTERM);
  const auto stopped = platform->wait_for(Millis{10'000});
  REQUIRE(stopped);
  CHECK(stopped->exited(0));
}
