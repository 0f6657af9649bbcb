// Operator faults around the database, on the real binary: a typo in [database] path, a database moved away under
// a running daemon, a damaged file, a read-only filesystem, a second daemon on the same file, and a [schedule]
// that `check` would pass but `run` refuse. Each must be refused with its own exit code and a message that names
// the path and the way out — and nothing may be created, recorded or sent on the way.

#include "http/server.hpp"
#include "tests/reliability/ground_truth.hpp"
#include "tests/reliability/private_mounts.hpp"
#include "tests/reliability/reliability_rig.hpp"

#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <signal.h>

#include <fstream>

using namespace recharged;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> apply_args(Rig& rig, const std::string& no) {
  return {"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "88.00", "--out-recharge-no", no};
}

void apply_ok(Rig& rig, const std::string& no) {
  const auto r = rig.cli(apply_args(rig, no));
  INFO(r.err);
  REQUIRE(r.status.exited(0));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Overwrites the middle of one leaf page of `table` (the main file, after a checkpoint) with garbage: the damage a
// failing disk or a stray `dd` leaves. Returns the page number.
std::int64_t damage_a_page_of(const fs::path& db, const std::string& table, std::size_t min_leaves = 3) {
  std::int64_t page = 0;
  std::int64_t page_size = 0;
  {
    SQLite::Database conn(db.string(), SQLite::OPEN_READWRITE);
    conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    page_size = conn.execAndGet("PRAGMA page_size").getInt64();
    SQLite::Statement pages(conn, "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno");
    pages.bind(1, table);
    std::vector<std::int64_t> leaves;
    while (pages.executeStep()) leaves.push_back(pages.getColumn(0).getInt64());
    REQUIRE(leaves.size() >= min_leaves); // a middle page: not the one the next insert appends to
    REQUIRE_FALSE(leaves.empty());
    page = leaves[leaves.size() / 2];
  }
  std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp((page - 1) * page_size + 8);
  const std::string garbage(static_cast<std::size_t>(page_size - 16), '\xA5');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  return page;
}

} // namespace

TEST_CASE("a typo in [database] path is refused by every command but migrate, and no stray file is created") {
  Rig rig;
  rig.config().database = rig.dir() / "recharged.bd"; // the typo
  rig.config().create_database = false;
  rig.write_config();
  for (const auto& args : std::vector<std::vector<std::string>>{{"list"}, {"show", "RC1"}, {"sync", "RC1"},
                                                                {"close", "RC1"}, {"schedule", "explain", "RC1"},
                                                                apply_args(rig, "TYPO1"), {"run"}}) {
    const auto r = rig.cli(args);
    INFO(args.front(), ": ", r.err);
    CHECK(r.status.exited(6));
    CHECK(contains(r.err, (rig.dir() / "recharged.bd").string()));
    CHECK(contains(r.err, "recharged migrate"));
    CHECK_FALSE(fs::exists(rig.dir() / "recharged.bd"));
  }
  CHECK_FALSE(rig.platform().truth("TYPO1").has_value()); // nothing was sent
  const auto checked = rig.cli({"check"});
  CHECK(checked.status.exited(6));
  CHECK(contains(checked.out, "fail  database"));
  CHECK(contains(checked.out, "recharged migrate"));
  REQUIRE(rig.cli({"migrate"}).status.exited(0)); // the one command that creates it
  apply_ok(rig, "TYPO2");
}

TEST_CASE("a database moved away under the daemon: it says how to recover, a restart refuses, moving it back resumes") {
  RigOptions fast;
  fast.speed = 600;
  Rig rig(fast);
  rig.write_config();
  auto daemon = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=daemon_started", Millis{30'000}));
  apply_ok(rig, "MOVED1");
  const fs::path db = rig.database_path();
  const fs::path away = rig.dir() / "elsewhere.db";
  fs::rename(db, away);
  REQUIRE_MESSAGE(rig.wait_for_log("is no longer the file recharged opened", Millis{60'000}), rig.daemon_log_text());
  const std::string log = rig.daemon_log_text();
  CHECK(contains(log, "Do not restart recharged on a new or empty file"));
  CHECK(contains(log, "restore your latest backup"));
  daemon->send(SIGTERM);
  REQUIRE(daemon->wait_for(Millis{30'000}));

  // What the message warned against: a restart at the old path finds nothing, and must not start afresh.
  const auto restarted = rig.cli({"run"});
  CHECK(restarted.status.exited(6));
  CHECK(contains(restarted.err, "does not exist"));
  CHECK_FALSE(fs::exists(db));

  fs::rename(away, db);
  auto again = rig.start_daemon();
  sandbox::PayRequest pay;
  pay.channel = sandbox::RechargeChannel::qr_recharge;
  pay.settlement = sandbox::Settlement::immediate;
  REQUIRE(rig.platform().pay_now("MOVED1", pay).ok());
  CHECK(eventually([&] { return rig.order("MOVED1")->state == orders::OrderState::success; }, Millis{60'000}));
  again->send(SIGTERM);
  CHECK(again->wait_for(Millis{30'000}).value_or(ExitStatus{}).exited(0));
}

TEST_CASE("a second daemon on the same database exits 9 naming the first, which carries on alone") {
  Rig rig;
  rig.write_config();
  auto first = rig.start_daemon();
  REQUIRE(rig.wait_for_log("event=daemon_started", Millis{30'000}));
  // Another path to the same file (a symlink) is the same database.
  fs::create_symlink(rig.database_path(), rig.dir() / "alias.db");
  for (const bool through_alias : {false, true}) {
    if (through_alias) {
      rig.config().database = rig.dir() / "alias.db";
      rig.write_config("alias.toml");
    }
    const auto second = rig.cli({"run"}, Millis{30'000});
    INFO(second.err);
    CHECK(second.status.exited(9));
    CHECK(contains(second.err, "Another recharged daemon already runs on the database"));
    CHECK(contains(second.err, "pid " + std::to_string(first->pid())));
  }
  CHECK(first->running());
  rig.config().database = rig.dir() / "recharged.db";
  rig.write_config();
  const auto checked = rig.cli({"check"});
  CHECK(contains(checked.out, "a recharged daemon runs on this database (pid " + std::to_string(first->pid())));
  first->kill_hard(); // a crash releases the lock with the process
  REQUIRE(first->wait_for(Millis{10'000}));
  const std::size_t from = rig.daemon_log_text().size();
  auto successor = rig.start_daemon();
  CHECK(rig.wait_for_log("event=daemon_started", Millis{30'000}, from));
  successor->send(SIGTERM);
  CHECK(successor->wait_for(Millis{30'000}).value_or(ExitStatus{}).exited(0));
}

TEST_CASE("a damaged orders table: check finds it, and apply refuses before anything is recorded or sent") {
  Rig rig;
  rig.write_config();
  for (int i = 0; i < 60; ++i) apply_ok(rig, order_number("DMG", static_cast<std::size_t>(i)));
  damage_a_page_of(rig.database_path(), "orders");
  const auto checked = rig.cli({"check"});
  INFO(checked.out);
  CHECK(checked.status.exited(6));
  CHECK(contains(checked.out, "fail  database"));
  const auto applied = rig.cli(apply_args(rig, "DMGNEW1"));
  INFO(applied.err);
  CHECK(applied.status.exited(6));
  CHECK(contains(applied.err, "is damaged"));
  CHECK(contains(applied.err, "nothing was recorded or sent"));
  CHECK_FALSE(rig.platform().truth("DMGNEW1").has_value());
  CHECK(rig.sandbox().sandbox().server().calls("DMGNEW1").empty());
}

TEST_CASE("a damaged orders index: the daemon with the order API refuses to start, exit 6, nothing served") {
  Rig rig;
  const auto tokens = rig.dir().write("api-tokens", "write w0c1f3b8e2a94d6b8f7e5a3c1d9b2f4e6a8c0e2d4f6b8a0c2e4f6a8b0d2e4f6a8 backoffice\n");
  rig.config().extra_toml = "[api]\nlisten = \"unix:" + (rig.dir() / "api.sock").string() + "\"\ntokens_file = \"" +
                            tokens.string() + "\"\n";
  rig.write_config();
  for (int i = 0; i < 20; ++i) apply_ok(rig, order_number("DMA", static_cast<std::size_t>(i)));
  // The unique index on out_recharge_no: what keeps one number from becoming two orders. The daemon's own start
  // never reads it (a daemon without the API starts on it), but the API's applies rely on it.
  damage_a_page_of(rig.database_path(), "sqlite_autoindex_orders_1", 1);
  const auto run = rig.cli({"run"}, Millis{30'000});
  INFO(run.err);
  CHECK(run.status.exited(6));
  CHECK(contains(run.err, "is damaged"));
  CHECK(contains(run.err, "the order API does not start on it"));
  CHECK_FALSE(fs::exists(rig.dir() / "api.sock"));
}

TEST_CASE("a database on a read-only filesystem: check names it, apply and run refuse with exit 6, nothing is sent") {
  if (const std::string why = PrivateMounts::enter(); !why.empty()) FAIL("cannot test a read-only filesystem: " << why);
  Rig rig;
  PrivateMounts disk(rig.dir() / "ro", 16 << 20);
  rig.config().database = disk.dir() / "recharged.db";
  rig.write_config();
  apply_ok(rig, "RO1");
  disk.set_read_only(true);
  const auto checked = rig.cli({"check"});
  INFO(checked.out);
  CHECK(checked.status.exited(6));
  CHECK(contains(checked.out, "read-only filesystem"));
  for (const auto& args : {apply_args(rig, "RO2"), std::vector<std::string>{"run"}}) {
    const auto r = rig.cli(args);
    INFO(args.front(), ": ", r.err);
    CHECK(r.status.exited(6));
    CHECK(contains(r.err, "read-only"));
  }
  CHECK_FALSE(rig.platform().truth("RO2").has_value());
  disk.set_read_only(false);
  apply_ok(rig, "RO3");
}

TEST_CASE("a [schedule] that run would refuse fails check the same way, naming the key and the rule") {
  Rig rig;
  rig.write_config(); // the database exists: the [schedule] is all that is wrong
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"dense_interval", "5 minutes"}, {"dense_intervall", "5m"}, {"decay_ratio", "11"}}) {
    rig.config().schedule = {{key, value}};
    rig.write_config();
    const auto checked = rig.cli({"check"});
    const auto run = rig.cli({"run"});
    INFO(key, " = ", value, "\ncheck: ", checked.out, "\nrun: ", run.err);
    CHECK(checked.status.exited(3));
    CHECK(run.status.exited(3));
    CHECK(contains(checked.out, "schedule." + key));
    CHECK(contains(run.err, "schedule." + key));
  }
}

TEST_CASE("a listen address held by another process: run exits 10 (not a config error), and check says so first") {
  Rig rig;
  http::Server squatter;
  const int port = squatter.start("127.0.0.1", 0).value();
  rig.config().notify_enabled = true;
  rig.config().notify_port = port;
  rig.write_config();
  const auto checked = rig.cli({"check"});
  INFO(checked.out);
  CHECK(checked.status.exited(10));
  CHECK(contains(checked.out, "fail  notify"));
  const auto run = rig.cli({"run"});
  INFO(run.err);
  CHECK(run.status.exited(10));
  CHECK(contains(run.err, "127.0.0.1:" + std::to_string(port)));
}
