#include "core/file.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/unit/storage/store_fixture.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

using namespace recharged;
using namespace recharged::storage;
using recharged::test::TempDir;

namespace {

Result<std::unique_ptr<Database>> open_at(const std::filesystem::path& path, MigrationMode mode,
                                          bool read_only = false) {
  return Database::open({path, Millis{2'000}, read_only}, mode);
}

std::vector<std::string> migration_rows(const std::filesystem::path& path) {
  SQLite::Database conn(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(conn, "SELECT version || ' ' || name || ' ' || applied_at FROM schema_migrations ORDER BY version");
  std::vector<std::string> rows;
  while (q.executeStep()) rows.push_back(q.getColumn(0).getString());
  return rows;
}

} // namespace

TEST_CASE("migrations bring an empty file to the latest version, one recorded row per migration") {
  TempDir dir;
  auto db = open_at(dir / "fresh.db", MigrationMode::create);
  REQUIRE_MESSAGE(db.ok(), (db.ok() ? "" : db.error().message));
  CHECK(Database::latest_version() == static_cast<int>(embedded_migrations().size()));
  CHECK(Database::latest_version() >= 2);
  CHECK((*db)->schema_version().value() == Database::latest_version());

  const auto rows = migration_rows(dir / "fresh.db");
  REQUIRE(rows.size() == embedded_migrations().size());
  CHECK(rows[0].starts_with("1 orders 20"));
  CHECK(rows[1].starts_with("2 audit_views 20"));
  for (const auto& row : rows) {
    const auto applied_at = row.substr(row.rfind(' ') + 1);
    CHECK(applied_at.size() == 24); // format_utc's fixed width, 'Z'-terminated
    CHECK(applied_at.back() == 'Z');
    CHECK(parse_rfc3339(applied_at).ok());
  }
  SQLite::Database conn(dir / "fresh.db", SQLite::OPEN_READONLY);
  for (const char* table : {"orders", "order_events", "notifications", "fund_returns", "schema_migrations"})
    CHECK_MESSAGE(conn.tableExists(table), table);
}

TEST_CASE("re-opening a current database applies nothing and keeps its data") {
  TempDir dir;
  {
    auto db = open_at(dir / "r.db", MigrationMode::create);
    REQUIRE(db.ok());
    SqliteOrderStore store(**db);
    REQUIRE(store.insert_new(test::sample_order("KEEP1"), test::k_t0).ok());
  }
  auto db = open_at(dir / "r.db", MigrationMode::create);
  REQUIRE(db.ok());
  const auto again = (*db)->migrate(SystemClock{}.now());
  REQUIRE(again.ok());
  CHECK(again->empty());
  CHECK(migration_rows(dir / "r.db").size() == embedded_migrations().size());
  SqliteOrderStore store(**db);
  CHECK(store.find("KEEP1").value().has_value());
  auto current = open_at(dir / "r.db", MigrationMode::require_current);
  CHECK(current.ok());
}

TEST_CASE("a database newer than this binary is refused with a clear message") {
  TempDir dir;
  REQUIRE(open_at(dir / "new.db", MigrationMode::create).ok());
  const int future = Database::latest_version() + 1;
  {
    SQLite::Database conn(dir / "new.db", SQLite::OPEN_READWRITE);
    conn.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(future) +
              ", 'from_the_future', '2027-01-01T00:00:00.000Z')");
  }
  for (const auto mode : {MigrationMode::create, MigrationMode::require_current}) {
    auto db = open_at(dir / "new.db", mode);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().kind == ErrorKind::storage);
    CHECK(db.error().code == "schema_too_new");
    CHECK(db.error().message.find("version " + std::to_string(future)) != std::string::npos);
    CHECK(db.error().message.find((dir / "new.db").string()) != std::string::npos);
  }
  CHECK(migration_rows(dir / "new.db").size() == embedded_migrations().size() + 1); // untouched
}

TEST_CASE("a file without a recharged schema is refused by every mode but create, which migrates it") {
  TempDir dir;
  { SQLite::Database create(dir / "empty.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); }
  for (const auto mode : {MigrationMode::upgrade, MigrationMode::require_current, MigrationMode::inspect}) {
    auto refused = open_at(dir / "empty.db", mode);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == "uninitialised");
    CHECK(refused.error().message.find("recharged migrate") != std::string::npos);
  }
  CHECK(open_at(dir / "empty.db", MigrationMode::create).ok());
  CHECK(open_at(dir / "empty.db", MigrationMode::require_current).ok());
}

TEST_CASE("require_current refuses pending migrations and names the command; upgrade applies them") {
  TempDir dir;
  {
    SQLite::Database old(dir / "old.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    old.exec(std::string(embedded_migrations().front().sql));
    old.exec("INSERT INTO schema_migrations VALUES (1, 'orders', '2026-01-01T00:00:00.000Z')");
  }
  auto refused = open_at(dir / "old.db", MigrationMode::require_current);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "schema_outdated");
  CHECK(refused.error().message.find("recharged migrate") != std::string::npos);
  auto read_only = open_at(dir / "old.db", MigrationMode::upgrade, true);
  REQUIRE_FALSE(read_only.ok());
  CHECK(read_only.error().code == "schema_outdated");
  auto inspected = open_at(dir / "old.db", MigrationMode::inspect);
  REQUIRE(inspected.ok());
  CHECK((*inspected)->schema_version().value() == 1); // inspect never migrates
  inspected->reset();
  CHECK(open_at(dir / "old.db", MigrationMode::upgrade).ok());
  CHECK(open_at(dir / "old.db", MigrationMode::require_current).ok());
}

TEST_CASE("only create makes a database: every other mode refuses a missing file and leaves none behind") {
  TempDir dir;
  for (const auto mode : {MigrationMode::upgrade, MigrationMode::require_current, MigrationMode::inspect}) {
    for (const bool read_only : {false, true}) {
      auto db = open_at(dir / "typo.db", mode, read_only);
      REQUIRE_FALSE(db.ok());
      CHECK(db.error().kind == ErrorKind::storage);
      CHECK(db.error().code == "missing");
      CHECK(db.error().message.find((dir / "typo.db").string()) != std::string::npos);
      CHECK(db.error().message.find("recharged migrate") != std::string::npos);
      CHECK_FALSE(std::filesystem::exists(dir / "typo.db"));
    }
  }
  CHECK(open_at(dir / "typo.db", MigrationMode::create).ok());
  CHECK(std::filesystem::exists(dir / "typo.db"));
}

TEST_CASE("schema_migrations records the time of the clock it is given") {
  TempDir dir;
  const ManualClock clock(parse_rfc3339("2031-05-06T07:08:09Z").value());
  auto db = Database::open({dir / "clocked.db", Millis{2'000}, false, &clock}, MigrationMode::create);
  REQUIRE(db.ok());
  for (const auto& row : migration_rows(dir / "clocked.db"))
    CHECK_MESSAGE(row.ends_with(" 2031-05-06T07:08:09.000Z"), row);
}

TEST_CASE("the pragmas money needs are in effect on the connection") {
  TempDir dir;
  auto db = Database::open({dir / "p.db", Millis{1'234}, false}, MigrationMode::create);
  REQUIRE(db.ok());
  auto& conn = (*db)->native();
  CHECK(conn.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(conn.execAndGet("PRAGMA synchronous").getInt() == 2); // FULL
  CHECK(conn.execAndGet("PRAGMA foreign_keys").getInt() == 1);
  CHECK(conn.execAndGet("PRAGMA busy_timeout").getInt() == 1'234);
  CHECK((*db)->path() == dir / "p.db");
}

TEST_CASE("a file that already holds other tables is refused as not a recharged database") {
  TempDir dir;
  {
    SQLite::Database other(dir / "other.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY)");
  }
  auto db = open_at(dir / "other.db", MigrationMode::create);
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().code == "foreign_schema");
  SQLite::Database check(dir / "other.db", SQLite::OPEN_READONLY);
  CHECK_FALSE(check.tableExists("orders")); // the failed migration left nothing behind
}

TEST_CASE("a migration that fails half-way leaves nothing behind: each runs in one transaction") {
  TempDir dir;
  {
    // A view squats on a name migration 0001 creates late, after schema_migrations and orders.
    SQLite::Database other(dir / "half.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE VIEW fund_returns AS SELECT 1 AS x");
  }
  auto db = open_at(dir / "half.db", MigrationMode::create);
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().kind == ErrorKind::storage);
  CHECK(db.error().message.find("apply the schema migrations") != std::string::npos);
  CHECK(db.error().message.find("fund_returns") != std::string::npos);
  SQLite::Database check(dir / "half.db", SQLite::OPEN_READONLY);
  CHECK_FALSE(check.tableExists("schema_migrations"));
  CHECK_FALSE(check.tableExists("orders"));
  CHECK_FALSE(check.tableExists("order_events"));
}

TEST_CASE("a file that is not an SQLite database is reported as corrupt, naming the path") {
  TempDir dir;
  const auto path = dir.write("garbage.db", std::string(8192, 'x'));
  auto db = open_at(path, MigrationMode::create);
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().kind == ErrorKind::storage);
  CHECK(db.error().code == "corrupt");
  CHECK(db.error().message.find(path.string()) != std::string::npos);
  CHECK(db.error().message.find("open the database") != std::string::npos);
}


TEST_CASE("integrity_check reports ok on a healthy database, quick or full") {
  TempDir dir;
  auto db = open_at(dir / "i.db", MigrationMode::create);
  REQUIRE(db.ok());
  CHECK((*db)->integrity_check().value() == "ok");
  CHECK((*db)->integrity_check(true).value() == "ok");
}

TEST_CASE("four connections opening a fresh file at once apply each migration exactly once") {
  TempDir dir;
  std::vector<Result<std::unique_ptr<Database>>> results;
  results.reserve(4);
  for (int i = 0; i < 4; ++i) results.emplace_back(Error{});
  std::vector<std::thread> starters;
  for (int i = 0; i < 4; ++i)
    starters.emplace_back([&, i] { results[static_cast<std::size_t>(i)] = open_at(dir / "race.db", MigrationMode::create); });
  for (auto& t : starters) t.join();
  for (const auto& r : results) CHECK_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(migration_rows(dir / "race.db").size() == embedded_migrations().size());
}

TEST_CASE("the embedded migrations are numbered from 1 without a gap or a duplicate") {
  CHECK(validate_sequence(embedded_migrations()).ok());
  const std::vector<Migration> gap{{1, "a", ""}, {3, "c", ""}};
  const std::vector<Migration> duplicate{{1, "a", ""}, {2, "b", ""}, {2, "b2", ""}};
  const std::vector<Migration> late_start{{2, "b", ""}};
  for (const auto* bad : {&gap, &duplicate, &late_start}) {
    const auto status = validate_sequence(*bad);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().message.find("out of sequence") != std::string::npos);
  }
  CHECK_FALSE(validate_sequence({}).ok());
}

TEST_CASE("the embedding script fails the build on a gap, a duplicate or a badly named migration") {
  const std::string script = std::string(RECHARGED_SOURCE_DIR) + "/cmake/EmbedMigrations.cmake";
  auto run = [&](const TempDir& dir) {
    const std::string command = std::string("'") + RECHARGED_CMAKE_COMMAND + "' -DMIGRATIONS_DIR='" +
                                dir.path().string() + "' -DOUTPUT='" + (dir / "out.cpp").string() + "' -P '" +
                                script + "' >/dev/null 2>&1";
    return std::system(command.c_str());
  };
  TempDir good;
  good.write("0001_first.sql", "CREATE TABLE a (x);\n");
  good.write("0002_second.sql", "CREATE TABLE b (y); -- a \"quoted\" ; comment\n");
  good.write("README.md", "not a migration\n");
  REQUIRE(run(good) == 0);
  const auto generated = read_file(good / "out.cpp").value();
  CHECK(generated.find(R"({1, "first", R"sql(CREATE TABLE a (x);)") != std::string::npos);
  CHECK(generated.find(R"({2, "second", )") != std::string::npos);
  CHECK(generated.find(R"(a "quoted" ; comment)") != std::string::npos);

  TempDir gap;
  gap.write("0001_first.sql", "SELECT 1;");
  gap.write("0003_third.sql", "SELECT 3;");
  CHECK(run(gap) != 0);
  TempDir duplicate;
  duplicate.write("0001_first.sql", "SELECT 1;");
  duplicate.write("0001_again.sql", "SELECT 1;");
  CHECK(run(duplicate) != 0);
  TempDir bad_name;
  bad_name.write("0001_first.sql", "SELECT 1;");
  bad_name.write("2_second.sql", "SELECT 2;");
  CHECK(run(bad_name) != 0);
  TempDir empty;
  CHECK(run(empty) != 0);
}

TEST_CASE("SQLite result codes map to the error codes callers branch on") {
  CHECK(error_code_for(SQLITE_BUSY) == "busy");
  CHECK(error_code_for(SQLITE_LOCKED) == "busy");
  CHECK(error_code_for(SQLITE_BUSY_SNAPSHOT) == "busy"); // extended codes count as their primary code
  CHECK(error_code_for(SQLITE_FULL) == "full");
  CHECK(error_code_for(SQLITE_READONLY) == "readonly");
  CHECK(error_code_for(SQLITE_READONLY_DBMOVED) == "readonly");
  CHECK(error_code_for(SQLITE_CORRUPT) == "corrupt");
  CHECK(error_code_for(SQLITE_NOTADB) == "corrupt");
  CHECK(error_code_for(SQLITE_CONSTRAINT_TRIGGER) == "constraint");
  CHECK(error_code_for(SQLITE_CANTOPEN) == "cantopen");
  CHECK(error_code_for(SQLITE_IOERR_FSYNC) == "io");
  CHECK(error_code_for(SQLITE_ERROR) == "sqlite");
  const auto e = to_error(std::runtime_error("boom"), "do something", "/var/lib/recharged/recharged.db");
  CHECK(e.kind == ErrorKind::internal);
  CHECK(e.message == "Could not do something: boom (database '/var/lib/recharged/recharged.db').");
}
