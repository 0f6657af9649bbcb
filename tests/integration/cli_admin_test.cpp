// `recharged migrate | check` as processes: schema versions on a real SQLite file, and the installation
// checks an operator runs (config, key permissions, key ⇄ serial, calendar coverage, database).

#include "storage/database.hpp"
#include "tests/integration/rig.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

using namespace recharged;
using namespace recharged::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

int migration_rows(const fs::path& db) {
  SQLite::Database native(db.string(), SQLite::OPEN_READONLY);
  return native.execAndGet("SELECT count(*) FROM schema_migrations").getInt();
}

// The `check` finding for `name` from its --json output ({} when absent).
json finding(const std::string& out, const std::string& name) {
  for (const auto& f : json::parse(out))
    if (f["check"] == name) return f;
  return json::object();
}

} // namespace

TEST_CASE("migrate creates a fresh database at the latest schema version and is idempotent") {
  Rig rig;
  REQUIRE_FALSE(fs::exists(rig.database_path()));
  const auto first = rig.cli({"migrate"});
  INFO(first.err);
  REQUIRE(first.status.exited(0));
  const std::string version = std::to_string(storage::Database::latest_version());
  CHECK(first.out == "database " + rig.database_path().string() + " is at schema version " + version + "\n");
  REQUIRE(fs::exists(rig.database_path()));
  const int rows = migration_rows(rig.database_path());
  CHECK(rows == storage::Database::latest_version());

  const auto second = rig.cli({"migrate"});
  CHECK(second.status.exited(0));
  CHECK(second.out == first.out);
  CHECK(migration_rows(rig.database_path()) == rows);
}

TEST_CASE("a database whose schema is newer than the binary is refused with exit 6 and a clear message") {
  Rig rig;
  REQUIRE(rig.cli({"migrate"}).status.exited(0));
  const int newer = storage::Database::latest_version() + 1;
  {
    SQLite::Database native(rig.database_path().string(), SQLite::OPEN_READWRITE);
    native.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" + std::to_string(newer) +
                ", 'from_the_future', '2027-01-01T00:00:00.000Z')");
  }
  const std::string expected = "has schema version " + std::to_string(newer) + ", newer than the version " +
                               std::to_string(storage::Database::latest_version()) + " this recharged knows";
  for (const std::vector<std::string>& args : {std::vector<std::string>{"migrate"},
                                             {"apply", "--sub-mchid", rig.sub_mchid(), "--amount", "1.00"},
                                             {"list"}}) {
    CAPTURE(args[0]);
    const auto r = rig.cli(args);
    CHECK(r.status.exited(6));
    CHECK_MESSAGE(r.err.find(expected) != std::string::npos, r.err);
  }
  CHECK(rig.platform().counters().apply_calls == 0);
  const auto checked = rig.cli({"check", "--json"});
  CHECK(checked.status.exited(6));
  CHECK(finding(checked.out, "database")["status"] == "fail");
  CHECK(migration_rows(rig.database_path()) == newer);
}

TEST_CASE("check passes on a sandbox config with a migrated database") {
  Rig rig;
  REQUIRE(rig.cli({"migrate"}).status.exited(0));
  const auto r = rig.cli({"check"});
  INFO(r.out, r.err);
  CHECK(r.status.exited(0));
  CHECK(r.out.find("ok    config") != std::string::npos);
  CHECK(r.out.find("ok    keys") != std::string::npos);
  CHECK(r.out.find("private key matches the certificate and serial_no") != std::string::npos);
  CHECK(r.out.find("ok    database") != std::string::npos);
  CHECK(r.out.find("fail") == std::string::npos);
}

TEST_CASE("check refuses a private key readable by its group with exit 3 and the chmod that fixes it") {
  Rig rig;
  REQUIRE(rig.cli({"migrate"}).status.exited(0));
  const auto key = rig.dir().write("apiclient_key.pem", slurp(rig.sandbox().state().file(sandbox::k_merchant_key_file)),
                                   fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  rig.config().private_key_file = key;
  rig.write_config();
  const auto r = rig.cli({"check", "--json"});
  CHECK(r.status.exited(3));
  const json keys = finding(r.out, "keys");
  CHECK(keys["status"] == "fail");
  const std::string message = keys["message"];
  CHECK(message.find("merchant.private_key_file") != std::string::npos);
  CHECK(message.find("mode 0640") != std::string::npos);
  CHECK(message.find("chmod 600 '" + key.string() + "'") != std::string::npos);
  CHECK(r.out.find("BEGIN") == std::string::npos); // the key itself is never printed

  SUBCASE("and the daemon refuses to start on it") {
    const auto run = rig.cli({"run"}, Millis{10'000});
    CHECK(run.status.exited(3));
    CHECK(run.err.find("chmod 600") != std::string::npos);
  }
}

TEST_CASE("check refuses a serial_no that is not the certificate's with exit 3") {
  Rig rig;
  REQUIRE(rig.cli({"migrate"}).status.exited(0));
  std::string wrong = rig.sandbox().serial_no();
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  rig.config().serial_no = wrong;
  rig.write_config();
  const auto r = rig.cli({"check", "--json"});
  CHECK(r.status.exited(3));
  const json keys = finding(r.out, "keys");
  CHECK(keys["status"] == "fail");
  const std::string message = keys["message"];
  CHECK(message.find("differs from merchant.serial_no " + wrong) != std::string::npos);
  CHECK(message.find(rig.sandbox().serial_no()) != std::string::npos);
}

TEST_CASE("check warns when the holiday calendar does not cover the next 30 days") {
  Rig rig;
  REQUIRE(rig.cli({"migrate"}).status.exited(0));
  const fs::path old_years = rig.dir() / "calendar";
  fs::create_directories(old_years);
  fs::copy_file(fs::path(RECHARGED_SOURCE_DIR) / "data/calendar/2024.json", old_years / "2024.json");
  rig.config().calendar_dirs = {old_years};
  rig.write_config();
  const auto r = rig.cli({"check"});
  INFO(r.out);
  CHECK(r.status.exited(0));
  CHECK(r.out.find("warn  calendar  no holiday calendar for ") != std::string::npos);
  CHECK(r.out.find("(within 30 days)") != std::string::npos);
  const auto js = rig.cli({"check", "--json"});
  CHECK(finding(js.out, "calendar")["status"] == "warn");
}

TEST_CASE("check refuses a config with an unknown key with exit 3 and names the key") {
  Rig rig;
  const auto path = rig.dir().write("typo.toml", rig.render() + "[limit]\nconcurrency = 2\n");
  ProcessOptions o;
  o.args = {"-c", path.string(), "check"};
  const auto r = run_process(recharged_binary(), o);
  CHECK(r.status.exited(3));
  CHECK(r.out.find("fail  config") != std::string::npos);
  CHECK(r.out.find("limit") != std::string::npos);
}

TEST_CASE("check passes on the config `recharged sandbox` writes, once migrate has created the database") {
  TempDir dir;
  ProcessOptions sandbox;
  sandbox.args = {"sandbox", "--state-dir", (dir / "state").string(), "--listen", "127.0.0.1:0", "--notify-to", "",
                  "--calendar", (fs::path(RECHARGED_SOURCE_DIR) / "data/calendar").string()};
  sandbox.stdout_file = dir / "sandbox.out";
  Process platform(recharged_binary(), sandbox);
  REQUIRE(eventually([&] { return slurp(dir / "sandbox.out").find("Stop with Ctrl-C") != std::string::npos; },
                     Millis{30'000}));
  const std::string config = (dir / "state" / "recharged.toml").string();
  auto run = [&](std::vector<std::string> args) {
    ProcessOptions o;
    o.args = {"-c", config};
    o.args.insert(o.args.end(), args.begin(), args.end());
    o.unset_env = {"CREDENTIALS_DIRECTORY"};
    return run_process(recharged_binary(), o);
  };
  REQUIRE(run({"migrate"}).status.exited(0));
  const auto r = run({"check"});
  INFO(r.out, r.err);
  CHECK(r.status.exited(0));
  CHECK(r.out.find("ok    keys") != std::string::npos);
  CHECK(r.out.find("ok    database") != std::string::npos);
  CHECK(r.out.find("fail") == std::string::npos);
  platform.send(SIGTERM);
  CHECK(platform.wait_for(Millis{10'000}).value_or(ExitStatus{}).exited(0));
}
