// storage::backup: an online copy taken while another connection keeps writing is one consistent snapshot,
// checked against the source, a single self-contained file named by its recovery point; `keep` prunes only
// older copies of the same database; failures leave nothing behind.
#include "core/file.hpp"
#include "storage/backup.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/unit/storage/store_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <sys/stat.h>
#include <thread>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
namespace fs = std::filesystem;

namespace {

BackupReport backup_ok(const BackupOptions& o) {
  auto r = backup(o);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(*r);
}

BackupOptions options_for(const fs::path& source, const fs::path& dest, TimePoint now, std::size_t keep = 0) {
  BackupOptions o;
  o.source = source;
  o.dest_dir = dest;
  o.now = now;
  o.keep = keep;
  return o;
}

std::vector<std::string> names(const std::vector<fs::path>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(p.filename().string());
  return out;
}

std::vector<std::string> dir_listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t rows_of(const BackupReport& r, const std::string& table) {
  for (const auto& t : r.tables)
    if (t.table == table) return t.rows;
  FAIL("no table " << table << " in the report");
  return -1;
}

// Orders whose state is not the new_state of their latest state_changed event: a copy torn between two
// transactions (an order row without its event, or the reverse) would have some.
std::int64_t torn_orders(const SQLite::Database& copy) {
  return std::stoll(scalar(copy, "SELECT count(*) FROM orders o WHERE o.state <> COALESCE((SELECT e.new_state FROM "
                                 "order_events e WHERE e.order_id = o.id AND e.kind = 'state_changed' ORDER BY e.id "
                                 "DESC LIMIT 1), 'NEW')"));
}

} // namespace

TEST_CASE("a backup taken while another connection writes is one consistent snapshot, checked against it") {
  StoreFixture f;
  TempDir dest;
  for (int i = 0; i < 50; ++i) f.reach(f.insert("SEED" + std::to_string(i)).id, OrderState::success);

  // A second connection, as the daemon would be, walks new orders NEW -> RECHARGING -> SUCCESS, one transaction
  // per step, for as long as the backups run.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto db = open_database(f.path);
    SqliteOrderStore store(*db);
    for (int i = 0; !stop; ++i) {
      auto o = store.insert_new(sample_order("LIVE" + std::to_string(i)), k_t0);
      if (!o) continue;
      (void)store.commit_one(transition(o->order.id, OrderState::new_order, OrderState::recharging, k_t0));
      (void)store.commit_one(transition(o->order.id, OrderState::recharging, OrderState::success, k_t0));
      ++written;
    }
  });
  std::vector<BackupReport> reports;
  for (int b = 0; b < 5; ++b) {
    while (written < 20 * (b + 1)) std::this_thread::yield(); // each copy lands amid the writes
    reports.push_back(backup_ok(options_for(f.path, dest.path(), k_t0 + std::chrono::seconds{b})));
  }
  stop = true;
  writer.join();

  for (const auto& r : reports) {
    CAPTURE(r.file);
    CHECK(r.integrity == "ok");
    CHECK(r.schema_version == Database::latest_version());
    SQLite::Database copy(r.file, SQLite::OPEN_READONLY);
    CHECK(scalar(copy, "PRAGMA integrity_check") == "ok");
    CHECK(torn_orders(copy) == 0);
    // The report's counts are the copy's, and the copy is a moment between the seed and the end of the writes.
    CHECK(std::stoll(scalar(copy, "SELECT count(*) FROM orders")) == rows_of(r, "orders"));
    CHECK(std::stoll(scalar(copy, "SELECT count(*) FROM order_events")) == rows_of(r, "order_events"));
    CHECK(rows_of(r, "orders") >= 50);
    CHECK(rows_of(r, "schema_migrations") == Database::latest_version());
    REQUIRE(r.last_event_at);
    CHECK(*r.last_event_at == scalar(copy, "SELECT MAX(at) FROM order_events"));
  }
  // Later copies never hold less than earlier ones.
  for (std::size_t i = 1; i < reports.size(); ++i) CHECK(rows_of(reports[i], "orders") >= rows_of(reports[i - 1], "orders"));
  CHECK(rows_of(reports.back(), "orders") > rows_of(reports.front(), "orders"));
}

TEST_CASE("a backup is one self-contained file named by its recovery point, readable by owner and group only") {
  StoreFixture f;
  TempDir dest;
  f.reach(f.insert("RC1").id, OrderState::recharging);
  const auto r = backup_ok(options_for(f.path, dest.path(), utc("2026-11-23T09:30:00.123Z")));
  CHECK(r.file == dest / "recharged-20261123T093000.123Z.db");
  CHECK(format_utc(r.recovery_point) == "2026-11-23T09:30:00.123Z");
  CHECK(dir_listing(dest.path()) == std::vector<std::string>{"recharged-20261123T093000.123Z.db"}); // no -wal, -shm
  CHECK(r.bytes == fs::file_size(r.file));
  struct stat st {};
  REQUIRE(::stat(r.file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  SQLite::Database copy(r.file, SQLite::OPEN_READONLY);
  CHECK(scalar(copy, "PRAGMA journal_mode") == "delete");
  CHECK(scalar(copy, "SELECT state FROM orders WHERE out_recharge_no = 'RC1'") == "RECHARGING");
}

TEST_CASE("a restored backup opens as the database, with its orders, and takes new writes") {
  StoreFixture f;
  TempDir dest;
  const auto id = f.insert("RC1").id;
  f.reach(id, OrderState::recharging);
  const auto r = backup_ok(options_for(f.path, dest.path(), k_t0));
  TempDir restored;
  fs::copy_file(r.file, restored / "recharged.db");
  auto db = Database::open({restored / "recharged.db", Millis{2'000}, false}, MigrationMode::upgrade);
  REQUIRE_MESSAGE(db.ok(), (db.ok() ? "" : db.error().message));
  SqliteOrderStore store(**db);
  auto found = store.find("RC1");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->state == OrderState::recharging);
  auto held = store.commit_one(transition((*found)->id, OrderState::recharging, OrderState::success, k_t0));
  REQUIRE(held.ok());
  CHECK(*held);
}

TEST_CASE("keep N removes the oldest copies of this database only, after the new one is safe") {
  StoreFixture f;
  TempDir dest;
  dest.write("other-20261123T093000.000Z.db", "another database's backup");
  dest.write("recharged-notes.db", "not a backup name");
  for (int i = 0; i < 4; ++i) (void)backup_ok(options_for(f.path, dest.path(), k_t0 + std::chrono::hours{i}));
  const auto r = backup_ok(options_for(f.path, dest.path(), k_t0 + std::chrono::hours{4}, 2));
  CHECK(names(r.removed) == std::vector<std::string>{"recharged-20261123T010000.000Z.db",
                                                     "recharged-20261123T020000.000Z.db",
                                                     "recharged-20261123T030000.000Z.db"});
  CHECK(names(list_backups(dest.path(), f.path)) ==
        std::vector<std::string>{"recharged-20261123T040000.000Z.db", "recharged-20261123T050000.000Z.db"});
  CHECK(fs::exists(dest / "other-20261123T093000.000Z.db"));
  CHECK(fs::exists(dest / "recharged-notes.db"));
}

TEST_CASE("a missing database, a missing directory or a taken name fail clearly and leave nothing behind") {
  TempDir dir;
  TempDir dest;
  SUBCASE("missing database: nothing is created, neither the database nor a copy") {
    const auto r = backup(options_for(dir / "typo.db", dest.path(), k_t0));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::storage);
    CHECK(r.error().code == "missing");
    CHECK_FALSE(fs::exists(dir / "typo.db"));
    CHECK(dir_listing(dest.path()).empty());
  }
  SUBCASE("a file that is not a recharged database") {
    { SQLite::Database other(dir / "other.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); other.exec("CREATE TABLE t (x)"); }
    const auto r = backup(options_for(dir / "other.db", dest.path(), k_t0));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "uninitialised");
    CHECK(dir_listing(dest.path()).empty());
  }
  SUBCASE("DEST is not a directory") {
    StoreFixture f;
    const auto r = backup(options_for(f.path, dest / "nowhere", k_t0));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_input);
    CHECK(r.error().message.find("nowhere") != std::string::npos);
  }
  SUBCASE("a backup of the same name is never overwritten") {
    StoreFixture f;
    const auto first = backup_ok(options_for(f.path, dest.path(), k_t0));
    const auto before = read_file(first.file).value();
    f.insert("RC2");
    const auto r = backup(options_for(f.path, dest.path(), k_t0));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "exists");
    CHECK(read_file(first.file).value() == before);
    CHECK(dir_listing(dest.path()).size() == 1);
  }
}
