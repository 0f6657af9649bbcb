// Storage faults: the real daemon and CLI while another process holds the database's write lock,
// while the disk is full (a small tmpfs in a private
// mount namespace, filled to the last byte), and with the database on a read-only filesystem. In each case
// recharged must say so clearly, keep running or exit with a clear error, never record half an order (every
// row agrees with its events, integrity_check ok), and carry on when the fault clears.

#include "tests/reliability/ground_truth.hpp"
#include "tests/reliability/private_mounts.hpp"
#include "tests/reliability/reliability_rig.hpp"

#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

RigOptions storage_options() {
  RigOptions o;
  o.speed = 600;
  o.sandbox.payers = sandbox::Payers::simulated;
  o.sandbox.seed = 11;
  auto mix = sandbox::parse_payer_mix("never=0.3,qr=0.5,bank=0.2,online=0.3,qr_delay=4m,online_delay=10m,"
                                      "bank_delay=20m,spread=0.3,returned=0");
  REQUIRE(mix.ok());
  o.sandbox.payer_mix = *mix;
  return o;
}

void configure(Rig& rig, const std::string& busy_timeout = "300ms") {
  rig.config().busy_timeout = busy_timeout;
  rig.config().schedule = {{"stale_close_age", "1h"}, {"close_latest_age", "1h20m"}};
  (void)rig.write_config();
}

std::vector<std::string> apply_args(Rig& rig, const std::string& no) {
  return {"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "321.00", "--out-recharge-no", no};
}

void apply_batch(Rig& rig, const std::string& prefix, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = rig.cli(apply_args(rig, order_number(prefix, i)));
    INFO(r.err);
    REQUIRE(r.status.exited(0));
  }
}

bool all_final(const Rig& rig) {
  for (const auto& o : rig.orders())
    if (o.state != orders::OrderState::success && o.state != orders::OrderState::closed) return false;
  return true;
}

// Every row agrees with its events and the file is sound, whatever state the orders are in right now.
void check_consistent_now(const Rig& rig) {
  const DatabaseSnapshot db = read_database(rig.database_path());
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < db.orders.size(); ++i)
    for (auto& p : event_problems(db.orders[i], db.events[i])) problems.push_back(std::move(p));
  if (db.integrity != "ok") problems.push_back("integrity_check: " + db.integrity);
  CHECK_MESSAGE(problems.empty(), describe(problems));
}

// Lets the daemon finish every order, stops it with SIGTERM, and audits the result against the platform.
void settle_and_audit(Rig& rig, Process& daemon) {
  const bool settled = eventually([&] { return all_final(rig); }, Millis{180'000}, Millis{250});
  daemon.send(SIGTERM);
  const auto stopped = daemon.wait_for(Millis{30'000});
  REQUIRE(stopped);
  CHECK(stopped->exited(0));
  CHECK(settled);
  const auto problems = audit(read_database(rig.database_path()), rig.platform());
  CHECK_MESSAGE(problems.empty(), describe(problems));
}

// A CLI apply during the fault: refused with the storage exit code and a message naming the cause; nothing
// reached the platform (the NEW row is written before any call, and it could not be written).
void check_apply_refused(Rig& rig, const std::string& no, const std::vector<std::string>& causes) {
  const auto r = rig.cli(apply_args(rig, no), Millis{60'000});
  INFO(r.err);
  CHECK(r.status.exited(6));
  bool named = false;
  for (const auto& c : causes) named = named || r.err.find(c) != std::string::npos;
  CHECK(named);
  CHECK(r.err.find(rig.database_path().string()) != std::string::npos);
  CHECK_FALSE(rig.platform().truth(no).has_value());
}

std::string file_bytes(const fs::path& p) { return slurp(p); }

} // namespace

TEST_CASE("another process holding the write lock makes recharged wait and say so, and it resumes after") {
  Rig rig(storage_options());
  configure(rig);
  apply_batch(rig, "LOCKA", 12);
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=daemon_started", Millis{30'000}));

  const std::size_t log_from = rig.daemon_log_text().size();
  {
    // Readers go on (WAL); every write waits busy_timeout and fails cleanly.
    // (The holder itself waits for a commit of the daemon's that is under way, as any writer would.)
    SQLite::Database holder(rig.database_path().string(), SQLite::OPEN_READWRITE, 30'000);
    holder.exec("BEGIN IMMEDIATE");
    check_apply_refused(rig, "LOCKB000001", {"busy", "lock"});
    CHECK(rig.wait_for_log("event=storage_unavailable", Millis{30'000}, log_from));
    CHECK(rig.daemon_log_text().find("code=busy", log_from) != std::string::npos);
    std::this_thread::sleep_for(std::chrono::seconds{2}); // twenty virtual minutes of refused writes
    CHECK(daemon->running());
    check_consistent_now(rig);
    holder.exec("ROLLBACK");
  }
  check_consistent_now(rig);
  const auto again = rig.cli(apply_args(rig, "LOCKB000001"));
  INFO(again.err);
  CHECK(again.status.exited(0)); // the same number, now that the lock is gone
  settle_and_audit(rig, *daemon);
  CHECK(rig.orders().size() == 13);
}

TEST_CASE("a full disk stops every write cleanly; recharged keeps running, says why, and resumes when space returns") {
  if (const std::string why = PrivateMounts::enter(); !why.empty()) {
    WARN_MESSAGE(false, "skipped: a private tmpfs needs CAP_SYS_ADMIN here (" << why << ")");
    return;
  }
  Rig rig(storage_options());
  PrivateMounts disk(rig.dir() / "disk", 16u << 20);
  rig.config().database = disk.dir() / "recharged.db";
  configure(rig);
  apply_batch(rig, "FULLA", 15);
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=daemon_started", Millis{30'000}));
  const std::size_t log_from = rig.daemon_log_text().size();

  const std::size_t filled = fill_until_full(disk.dir() / "filler");
  MESSAGE("disk full after " << filled << " bytes of filler");
  CHECK(disk.free_bytes() == 0);
  check_apply_refused(rig, "FULLB000001", {"full"});
  CHECK(rig.wait_for_log("event=storage_unavailable", Millis{30'000}, log_from));
  CHECK(rig.daemon_log_text().find("code=full", log_from) != std::string::npos);
  std::this_thread::sleep_for(std::chrono::seconds{2}); // the scenario: twenty virtual minutes on a full disk
  CHECK(daemon->running());
  check_consistent_now(rig); // read while full: every order still agrees with its events

  fs::remove(disk.dir() / "filler");
  const auto again = rig.cli(apply_args(rig, "FULLB000001"));
  INFO(again.err);
  CHECK(again.status.exited(0));
  settle_and_audit(rig, *daemon);
  CHECK(rig.orders().size() == 16);
}

TEST_CASE("a read-only database is refused at start with a clear error, untouched, and used again once writable") {
  Rig rig(storage_options());
  std::unique_ptr<PrivateMounts> disk;
  if (PrivateMounts::enter().empty()) {
    disk = std::make_unique<PrivateMounts>(rig.dir() / "disk", 16u << 20);
    rig.config().database = disk->dir() / "recharged.db";
  } else if (::geteuid() == 0) {
    WARN_MESSAGE(false, "skipped: root ignores file modes and no private mount namespace is possible here");
    return;
  } else {
    rig.config().database = rig.dir() / "ro" / "recharged.db";
    fs::create_directories(rig.dir() / "ro");
  }
  configure(rig);
  apply_batch(rig, "ROA", 10);
  {
    auto daemon = rig.start_daemon();
    REQUIRE(rig.wait_for_log("event=daemon_started", Millis{30'000}));
    REQUIRE(rig.wait_for_log("event=api_call", Millis{30'000})); // it has worked on the orders
    daemon->send(SIGTERM);
    REQUIRE(daemon->wait_for(Millis{30'000}));
  }
  const fs::path db = rig.database_path();
  auto make_read_only = [&](bool ro) {
    if (disk) return disk->set_read_only(ro);
    fs::permissions(db.parent_path(), ro ? fs::perms::owner_read | fs::perms::owner_exec : fs::perms::owner_all);
    fs::permissions(db, ro ? fs::perms::owner_read : fs::perms::owner_read | fs::perms::owner_write);
  };
  make_read_only(true);
  const std::string before = file_bytes(db);

  const auto run = rig.cli({"run"}, Millis{30'000});
  INFO(run.err);
  CHECK(run.status.exited(6));
  CHECK(run.err.find(db.string()) != std::string::npos);
  CHECK((run.err.find("read-only") != std::string::npos || run.err.find("readonly") != std::string::npos ||
         run.err.find("not writable") != std::string::npos));
  check_apply_refused(rig, "ROB000001", {"read-only", "readonly", "not writable", "cantopen"});
  CHECK(file_bytes(db) == before); // not one byte written
  const auto show = rig.cli({"show", order_number("ROA", 0)});
  MESSAGE("show on a read-only database: " << to_string(show.status) << " " << show.err.substr(0, 300));
  CHECK((show.status.exited(0) || show.status.exited(6)));

  make_read_only(false);
  auto daemon = rig.start_daemon();
  settle_and_audit(rig, *daemon);
  CHECK(rig.orders().size() == 10);
}
