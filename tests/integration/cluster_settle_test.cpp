// Several `recharged run` processes on one PostgreSQL database against the sandbox, in accelerated time: every
// order settles once, as the platform says, with visits spread over the nodes and never two at once on one order.

#include "storage/backend.hpp"
#include "storage/pg_connection.hpp"
#include "tests/integration/rig.hpp"
#include "tests/support/pg_server.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <cstdlib>
#include <random>
#include <regex>
#include <thread>

using namespace recharged;
using namespace recharged::test;

namespace {

RigOptions cluster_options(std::uint64_t seed) {
  return paying_rig(seed, "never=0.3,qr=0.4,bank=0.2,online=0.4,qr_delay=3m,online_delay=8m,"
                             "bank_delay=20m,spread=0.3,returned=0");
}

bool all_final(const Rig& rig) {
  for (const auto& o : rig.orders())
    if (o.state != orders::OrderState::success && o.state != orders::OrderState::closed) return false;
  return true;
}

// The visits each node reported when it stopped (daemon_stopped … visits=N), in the shared daemon log.
std::vector<long> visits_per_node(const std::string& log) {
  std::vector<long> visits;
  const std::regex stopped(R"(daemon_stopped[^\n]*visits=(\d+))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), stopped); it != std::sregex_iterator(); ++it)
    visits.push_back(std::stol((*it)[1]));
  return visits;
}

// A fresh database on the test's PostgreSQL server, a sandbox whose every answer takes 30 ms of real time (so two
// nodes visiting one order at once would overlap there), and `orders` orders applied through the CLI.
void prepare(Rig& rig, const std::string& prefix, int orders) {
  rig.config().database_url = PgServer::shared().create_database();
  rig.config().schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  rig.write_config();
  sandbox::FaultConfig slow;
  slow.latency = 1;
  slow.latency_duration = Millis{30};
  rig.sandbox().sandbox().faults().set_config(slow);
  for (int i = 0; i < orders; ++i) {
    const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(static_cast<std::size_t>(i) % 3), "--amount",
                            std::to_string(100 + i) + ".00", "--out-recharge-no", prefix + std::to_string(i)});
    INFO(r.err);
    REQUIRE(r.status.exited(0));
  }
}

// Nothing overlapped, nothing was applied twice, and every order ends as the platform has it.
void check_against_truth(Rig& rig, int orders) {
  CHECK(rig.sandbox().sandbox().server().stats().overlapping == 0); // no order was visited by two nodes at once
  CHECK(rig.platform().counters().duplicate_applies == 0);
  const auto local = rig.orders();
  REQUIRE(local.size() == static_cast<std::size_t>(orders));
  for (const auto& o : local) {
    CAPTURE(o.out_recharge_no);
    const auto truth = rig.truth(o.out_recharge_no);
    CHECK(truth.applies == 1);
    CHECK(o.recharge_id == truth.deposit.recharge_id);
    CHECK(o.platform_state == sandbox::to_string(truth.deposit.recharge_state));
    CHECK((o.state == orders::OrderState::success) ==
          (truth.deposit.recharge_state == sandbox::RechargeState::success));
  }
}

} // namespace

TEST_CASE("three daemons on one PostgreSQL database settle every order once, as the platform says") {
  Rig rig(cluster_options(11));
  constexpr int k_orders = 24;
  prepare(rig, "CL", k_orders);
  std::vector<std::unique_ptr<Process>> nodes;
  for (int n = 0; n < 3; ++n) nodes.push_back(rig.start_daemon());
  const bool settled = eventually([&] { return all_final(rig); }, Millis{180'000}, Millis{200});
  for (auto& node : nodes) node->send(SIGTERM);
  for (auto& node : nodes) {
    const auto status = node->wait_for(Millis{60'000});
    REQUIRE(status.has_value());
    CHECK(status->exited(0));
  }
  INFO(rig.daemon_log_text().substr(0, 4000));
  REQUIRE(settled);

  check_against_truth(rig, k_orders);
  // The merchant's API budget was split three ways once all three were up.
  CHECK(rig.daemon_log_text().find("api_budget_shared nodes=3") != std::string::npos);
  // Every node worked, and left the cluster with no visit lease held.
  const auto visits = visits_per_node(rig.daemon_log_text());
  REQUIRE(visits.size() == 3);
  for (const long v : visits) CHECK(v > 0);
  storage::BackendOptions o;
  o.url = rig.config().database_url;
  auto backend = storage::Backend::open(o, storage::MigrationMode::require_current);
  REQUIRE(backend.ok());
  auto held = (*backend)->postgres()->exec("SELECT count(*) FROM orders WHERE visit_lease_until IS NOT NULL");
  REQUIRE(held.ok());
  CHECK(held->text(0, 0) == "0");
  auto rows = (*backend)->postgres()->exec("SELECT count(*) FROM nodes");
  REQUIRE(rows.ok());
  CHECK(rows->text(0, 0) == "0");
}

TEST_CASE("kill -9 of random nodes and a PostgreSQL restart lose nothing, apply nothing twice, overlap no visit") {
  const char* kills_env = std::getenv("RECHARGED_CLUSTER_KILLS");
  const int kills = kills_env != nullptr ? std::max(1, std::atoi(kills_env)) : 50;
  const int total = std::max(30, kills); // orders, applied while the nodes die, so some are always open
  Rig rig(cluster_options(23));
  prepare(rig, "KC", 0);
  std::vector<std::unique_ptr<Process>> nodes;
  for (int n = 0; n < 3; ++n) nodes.push_back(rig.start_daemon());
  std::mt19937 random(23);
  int applied = 0;
  for (int k = 0; k < kills; ++k) {
    for (const int due = total * (k + 1) / kills; applied < due; ++applied) {
      const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(static_cast<std::size_t>(applied) % 3), "--amount",
                              std::to_string(200 + applied) + ".00", "--out-recharge-no", "KC" + std::to_string(applied)});
      INFO(r.err);
      REQUIRE(r.status.exited(0));
    }
    // The random moment of the kill is the scenario (seeded, replayable), not a wait for an event.
    std::this_thread::sleep_for(std::chrono::milliseconds{std::uniform_int_distribution<int>(30, 1'200)(random)});
    auto& victim = nodes[random() % nodes.size()];
    REQUIRE(victim->running()); // it must still be working when the kill comes
    victim->kill_hard();
    REQUIRE(victim->wait_for(Millis{10'000}).has_value());
    if (k == kills / 2) PgServer::shared().restart(); // the database itself goes away and comes back
    victim = rig.start_daemon();
  }
  const bool settled = eventually([&] { return all_final(rig); }, Millis{300'000}, Millis{200});
  for (auto& node : nodes) node->send(SIGTERM);
  for (auto& node : nodes) (void)node->wait_for(Millis{60'000});
  const std::string log = rig.daemon_log_text();
  INFO(log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
  REQUIRE(settled);
  check_against_truth(rig, total);
  MESSAGE(kills << " nodes killed with SIGKILL, one PostgreSQL restart, " << total << " orders");
}

TEST_CASE("migrate, check and backup on PostgreSQL: the schema once, the cluster shown, the server's own backups") {
  Rig rig;
  rig.config().database_url = PgServer::shared().create_database();
  rig.config().create_database = false;
  rig.write_config();
  const auto before = rig.cli({"check", "--json"});
  CHECK(before.status.exited(6)); // no schema yet: `migrate` creates it
  const auto first = rig.cli({"migrate"});
  INFO(first.err);
  REQUIRE(first.status.exited(0));
  CHECK(first.out.find("schema version 1") != std::string::npos);
  CHECK(rig.cli({"migrate"}).status.exited(0)); // idempotent

  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("daemon_started", Millis{30'000}));
  const auto checked = rig.cli({"check"});
  INFO(checked.out, checked.err);
  CHECK(checked.out.find("ok    database") != std::string::npos);
  CHECK(checked.out.find("1 live node(s)") != std::string::npos);
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{30'000}).has_value());

  const auto backup = rig.cli({"backup", rig.dir().path().string()});
  INFO(backup.err);
  CHECK(backup.status.exited(3));
  CHECK(backup.err.find("pg_dump") != std::string::npos);
}
