// The daemon process and its operator: SIGTERM with calls in flight, SIGHUP reloads (good and bad config),
// log files that survive logrotate, and the sd_notify conversation with systemd (READY, STATUS, WATCHDOG,
// STOPPING) over a real unix datagram socket.

#include "storage/database.hpp"
#include "tests/integration/rig.hpp"
#include "tests/support/notify_socket.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <signal.h>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

void apply_order(Rig& rig, const std::string& no) {
  const auto r = rig.cli({"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "50.00", "--out-recharge-no", no});
  INFO(r.err);
  REQUIRE(r.status.exited(0));
}

void set_faults(Rig& rig, const std::vector<std::pair<std::string, std::string>>& settings) {
  sandbox::FaultConfig f;
  for (const auto& [k, v] : settings) REQUIRE(sandbox::set_fault(f, k, v).ok());
  rig.sandbox().sandbox().faults().set_config(f);
}

void pay_now(Rig& rig, const std::string& no) {
  sandbox::PayRequest pay;
  pay.settlement = sandbox::Settlement::immediate;
  REQUIRE(rig.platform().pay_now(no, pay).ok());
}

bool settled(const Rig& rig, const std::string& no) {
  const auto o = rig.order(no);
  return o && o->state == orders::OrderState::success;
}

RigOptions accelerated() {
  RigOptions o;
  o.speed = 60; // one real second is a virtual minute: dense polls every ~1.5 s
  return o;
}

} // namespace

TEST_CASE("SIGTERM stops the daemon with exit 0 at once even while its calls hang at the platform") {
  Rig rig(accelerated());
  rig.config().timeout = "5m"; // the longest a call may take: waiting the calls out would take minutes
  rig.write_config();
  for (int i = 0; i < 4; ++i) apply_order(rig, "DTERM" + std::to_string(i));
  // Every query is processed, then held without an answer for longer than the test runs.
  set_faults(rig, {{"timeout", "1"}, {"timeout_hold", "600s"}});
  const auto queries = rig.platform().counters().queries;
  auto daemon = rig.start_daemon();
  // All four queries are held at the platform (each order is due and there are four workers).
  REQUIRE(eventually([&] { return rig.platform().counters().queries >= queries + 4; }, Millis{60'000}));
  daemon->send(SIGTERM);
  // Far below the 5-minute call timeout and the 10-minute hold, so only abandoning the calls can end it in
  // time, yet no speed limit: the suite also runs under TSan and ASan.
  const auto ended = daemon->wait_for(Millis{90'000});
  REQUIRE(ended);
  CHECK(ended->exited(0));
  const std::string log = rig.daemon_log_text();
  CHECK(log.find("event=daemon_stopping in_flight=") != std::string::npos);
  CHECK(log.find("event=daemon_stopped") != std::string::npos);
  for (int i = 0; i < 4; ++i) CHECK(rig.order("DTERM" + std::to_string(i))->state == orders::OrderState::recharging);
}

TEST_CASE("SIGTERM during slow answers lets the daemon finish cleanly and a restart carries on") {
  Rig rig(accelerated());
  rig.config().metrics_enabled = true; // port 0: read back from the `listening` line
  rig.write_config();
  apply_order(rig, "DSLOW1");
  set_faults(rig, {{"latency", "1"}, {"latency_duration", "2s"}});
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=listening", Millis{30'000}));
  const int metrics = listening_port(rig.daemon_log_text(), "metrics");
  REQUIRE(metrics > 0);
  // SIGTERM while a visit is under way, i.e. while its query is held by the latency fault.
  REQUIRE(eventually([&] { return metric(http_get(metrics, "/metrics").body, "recharged_in_flight_visits").value_or(0) > 0; },
                     Millis{30'000}, Millis{10}));
  daemon->send(SIGTERM);
  const auto ended = daemon->wait_for(Millis{5'000});
  REQUIRE(ended);
  CHECK(ended->exited(0));

  set_faults(rig, {});
  pay_now(rig, "DSLOW1");
  auto again = rig.start_daemon();
  CHECK(eventually([&] { return settled(rig, "DSLOW1"); }, Millis{20'000}, Millis{100}));
  again->send(SIGTERM);
  CHECK(again->wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
}

TEST_CASE("SIGHUP reloads a good config, and a bad one is refused while the daemon keeps working") {
  Rig rig(accelerated());
  apply_order(rig, "DHUP1");
  apply_order(rig, "DHUP2");
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=daemon_started", Millis{10'000}));

  rig.config().log_level = "debug";
  rig.config().schedule = {{"dense_interval", "2m"}};
  rig.write_config();
  daemon->send(SIGHUP);
  REQUIRE(rig.wait_for_log("event=config_reloaded", Millis{10'000}));
  CHECK(rig.daemon_log_text().find("applied=\"log.level,schedule,") != std::string::npos);

  rig.config().notify_enabled = true; // a listener change cannot be applied live: the log says so
  rig.config().notify_port = 18480;      // never bound: the reload only reports the change
  rig.write_config();
  std::size_t mark = rig.daemon_log_text().size();
  daemon->send(SIGHUP);
  REQUIRE(rig.wait_for_log("event=config_reloaded", Millis{10'000}, mark));
  CHECK(rig.daemon_log_text().find("needs_restart=notify.listen", mark) != std::string::npos);

  mark = rig.daemon_log_text().size();
  rig.dir().write("recharged.toml", "[merchant\nthis is not TOML\n");
  daemon->send(SIGHUP);
  REQUIRE(rig.wait_for_log("event=config_reload_failed", Millis{10'000}, mark));
  const std::string failed = rig.daemon_log_text().substr(mark);
  CHECK(failed.find("kept=\"previous config\"") != std::string::npos);
  CHECK(failed.find("event=config_reloaded") == std::string::npos);

  // Still working on the previous config: a payment made now is found by polling.
  pay_now(rig, "DHUP1");
  CHECK(eventually([&] { return settled(rig, "DHUP1"); }, Millis{20'000}, Millis{100}));
  CHECK(daemon->running());
  daemon->send(SIGTERM);
  CHECK(daemon->wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
}

TEST_CASE("with log target file, renaming the log and sending SIGHUP moves new lines to a fresh file") {
  Rig rig(accelerated());
  rig.config().log_target = "file";
  rig.write_config();
  apply_order(rig, "DLOG1");
  const fs::path log = rig.config().log_file;
  const fs::path rotated = log.string() + ".1";
  auto daemon = rig.start_daemon();
  REQUIRE(eventually([&] { return slurp(log).find("event=daemon_started") != std::string::npos; }, Millis{10'000}));

  fs::rename(log, rotated); // what logrotate does before it signals the daemon
  daemon->send(SIGHUP);
  REQUIRE(eventually([&] { return slurp(log).find("event=config_reloaded") != std::string::npos; }, Millis{10'000}));
  const std::string old_text = slurp(rotated);
  CHECK(old_text.find("event=daemon_started") != std::string::npos);

  pay_now(rig, "DLOG1");
  REQUIRE(eventually([&] { return settled(rig, "DLOG1"); }, Millis{20'000}, Millis{100}));
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));

  const std::string fresh = slurp(log);
  CHECK(fresh.find("event=order_state_changed out_recharge_no=DLOG1") != std::string::npos);
  CHECK(fresh.find("event=daemon_stopped") != std::string::npos);
  CHECK(slurp(rotated) == old_text); // nothing more was written to the rotated file
  CHECK(old_text.find("event=config_reloaded") == std::string::npos);
  CHECK(rig.daemon_log_text().find("event=") == std::string::npos); // nothing went to stderr
}

TEST_CASE("the daemon tells systemd READY after its migrations, then STATUS with counts, WATCHDOG and STOPPING") {
  Rig rig(accelerated());
  apply_order(rig, "DSD1");
  apply_order(rig, "DSD2");
  rig.config().database = rig.dir() / "fresh" / "recharged.db"; // the daemon creates and migrates this one
  fs::create_directories(rig.config().database.parent_path());
  rig.write_config();
  NotifySocket systemd(rig.dir() / "notify.sock");
  auto daemon = rig.start_daemon({{"NOTIFY_SOCKET", systemd.path().string()}, {"WATCHDOG_USEC", "2000000"}},
                                 Rig::WatchdogPid::self);

  REQUIRE(systemd.wait_for_line("READY=1", Millis{15'000}));
  {
    // READY came after the schema was complete.
    SQLite::Database db(rig.database_path().string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("SELECT MAX(version) FROM schema_migrations").getInt() == storage::Database::latest_version());
  }
  const auto first = systemd.messages();
  REQUIRE_FALSE(first.empty());
  const auto lines = notify_lines(first.front());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "READY=1");
  CHECK(lines[1].starts_with("STATUS=open=0 due=0 in_flight=0 visits=0 suspect=0"));

  CHECK(systemd.wait_for_line("WATCHDOG=1", Millis{5'000}));
  daemon->send(SIGTERM);
  CHECK(systemd.wait_for_line("STOPPING=1", Millis{10'000}));
  CHECK(daemon->wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
  const std::string stopping = systemd.wait_for_prefix("STATUS=stopping", Millis{1'000});
  CHECK(stopping.find("STATUS=stopping: finishing") == 0);

  SUBCASE("and its STATUS counts the open orders it found") {
    rig.config().database = rig.dir() / "recharged.db";
    rig.write_config();
    NotifySocket again(rig.dir() / "notify2.sock");
    auto second = rig.start_daemon({{"NOTIFY_SOCKET", again.path().string()}});
    REQUIRE(again.wait_for_line("READY=1", Millis{15'000}));
    CHECK(again.wait_for_prefix("STATUS=", Millis{1'000}).starts_with("STATUS=open=2 "));
    // A watchdog ping would be sent by the main loop before its first dispatch, so once a query of that
    // dispatch reaches the platform, a ping that was going to come is already in the socket.
    const auto queried = rig.platform().counters().queries;
    REQUIRE(eventually([&] { return rig.platform().counters().queries > queried; }, Millis{30'000}));
    bool watchdog = false;
    for (const auto& m : again.messages()) watchdog = watchdog || m == "WATCHDOG=1";
    CHECK_FALSE(watchdog); // no WATCHDOG_USEC, no watchdog pings
    second->send(SIGTERM);
    CHECK(second->wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
  }
}

TEST_CASE("the daemon never tells systemd READY for a database newer than the binary, and exits 6") {
  Rig rig(accelerated());
  REQUIRE(rig.cli({"migrate"}).status.exited(0));
  {
    SQLite::Database db(rig.database_path().string(), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
            std::to_string(storage::Database::latest_version() + 1) + ", 'future', '2027-01-01T00:00:00.000Z')");
  }
  NotifySocket systemd(rig.dir() / "notify.sock");
  auto daemon = rig.start_daemon({{"NOTIFY_SOCKET", systemd.path().string()}});
  const auto ended = daemon->wait_for(Millis{15'000});
  REQUIRE(ended);
  CHECK(ended->exited(6));
  CHECK(rig.daemon_log_text().find("newer than the version") != std::string::npos);
  for (const auto& m : systemd.messages())
    for (const auto& line : notify_lines(m)) CHECK(line != "READY=1");
}
