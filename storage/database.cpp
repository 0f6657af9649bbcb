#include "storage/database.hpp"

#include "storage/migrations.hpp"
#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>

namespace recharged::storage {
namespace {

Error schema_error(std::string code, const std::filesystem::path& path, const std::string& problem) {
  return Error::make(ErrorKind::storage, std::move(code), "The database '" + path.string() + "' " + problem);
}

Error too_new(const std::filesystem::path& path, int version) {
  return schema_error("schema_too_new", path,
                      "has schema version " + std::to_string(version) + ", newer than the version " +
                          std::to_string(Database::latest_version()) +
                          " this recharged knows; refusing to touch it. Run the recharged release that "
                          "wrote it (or a newer one).");
}

int clamp_ms(Millis timeout) {
  return static_cast<int>(std::clamp<Millis::rep>(timeout.count(), 0, INT_MAX));
}

// PRAGMA journal_mode = WAL. On a new file that other connections are opening at the same moment (two
// `recharged migrate` runs, a daemon and a script) SQLite answers BUSY at once, without waiting on the busy
// handler: a lock upgrade it refuses so as not to deadlock. The switch is retried until busy_timeout has passed.
std::string switch_to_wal(SQLite::Database& db, Millis busy_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  for (auto pause = std::chrono::milliseconds{1};; pause = std::min(pause * 2, std::chrono::milliseconds{50})) {
    try {
      return db.execAndGet("PRAGMA journal_mode = WAL").getString();
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() + pause > deadline) throw;
    }
    std::this_thread::sleep_for(pause);
  }
}

// WAL (so auditors' readers never block the daemon), synchronous=FULL (nothing acknowledged before it is
// on disk), foreign keys on. Each is read back: a setting SQLite silently ignored would be a lie.
Status apply_pragmas(SQLite::Database& db, bool read_only, const std::filesystem::path& path, Millis busy_timeout) {
  if (!read_only) {
    // SQLite silently falls back to read-only when the file cannot be opened for writing; say so plainly
    // instead of failing later on the -wal/-shm files with "unable to open database file".
    if (sqlite3_db_readonly(db.getHandle(), "main") == 1)
      return schema_error("readonly", path,
                          "is read-only for recharged (a read-only filesystem, or the file or its directory is not "
                          "writable by this user); it must be able to write the file and its -wal and -shm files.");
    const std::string mode = switch_to_wal(db, busy_timeout);
    if (mode != "wal")
      return schema_error("wal", path,
                          "stays in journal_mode '" + mode +
                              "' instead of WAL; WAL needs a local filesystem with shared memory.");
  } else {
    db.exec("PRAGMA query_only = ON");
  }
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  if (db.execAndGet("PRAGMA synchronous").getInt() != 2 || db.execAndGet("PRAGMA foreign_keys").getInt() != 1)
    return schema_error("sqlite", path, "did not accept synchronous=FULL and foreign_keys=ON.");
  return {};
}

} // namespace

Status require_existing(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found)
    return schema_error("missing", path,
                        "does not exist. For a new installation, create it with `recharged migrate` (as the user the "
                        "daemon runs as). If it was moved, renamed or deleted, put it back or correct [database] path: "
                        "its open orders live only in that file, and an empty new one would forget them.");
  if (ec) return schema_error("cantopen", path, "cannot be examined: " + ec.message() + ".");
  if (status.type() != std::filesystem::file_type::regular)
    return schema_error("cantopen", path, "is not a regular file; [database] path must name the database file.");
  return {};
}

namespace {

bool has_foreign_tables(SQLite::Database& db) {
  return db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
             .getInt() > 0;
}

} // namespace

Database::Database(std::unique_ptr<SQLite::Database> db, std::filesystem::path path)
    : db_(std::move(db)), path_(std::move(path)) {}

Database::~Database() = default;

int Database::latest_version() noexcept {
  const auto all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

Result<std::unique_ptr<Database>> Database::open(const DatabaseOptions& options, MigrationMode mode) {
  const bool create = mode == MigrationMode::create && !options.read_only;
  if (!create) RECHARGED_CHECK(require_existing(options.path));
  auto opened = guarded("open the database", options.path, [&]() -> Result<std::unique_ptr<Database>> {
    const int flags = options.read_only ? SQLite::OPEN_READONLY
                      : create          ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                                        : SQLite::OPEN_READWRITE;
    auto native = std::make_unique<SQLite::Database>(options.path, flags, clamp_ms(options.busy_timeout));
    RECHARGED_CHECK(apply_pragmas(*native, options.read_only, options.path, options.busy_timeout));
    return std::unique_ptr<Database>(new Database(std::move(native), options.path));
  });
  if (!opened) return opened;
  Database& db = **opened;
  RECHARGED_TRY(const int version, db.schema_version());
  if (version == 0 && !create)
    return schema_error("uninitialised", options.path,
                        "holds no recharged schema yet; create it with `recharged migrate` (as the user the daemon "
                        "runs as).");
  if (mode == MigrationMode::inspect) {
    if (version > latest_version()) return too_new(options.path, version);
    return opened;
  }
  if (mode != MigrationMode::require_current && !options.read_only) {
    const SystemClock system;
    RECHARGED_TRY(const auto applied, db.migrate((options.clock != nullptr ? *options.clock : system).now()));
    static_cast<void>(applied);
    return opened;
  }
  if (version > latest_version()) return too_new(options.path, version);
  if (version < latest_version())
    return schema_error("schema_outdated", options.path,
                        "has schema version " + std::to_string(version) + " but this recharged needs version " +
                            std::to_string(latest_version()) + "; run `recharged migrate` first.");
  return opened;
}

Result<int> Database::schema_version() {
  return guarded("read the schema version", path_, [&]() -> Result<int> {
    if (db_->execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
            .getInt() == 0)
      return 0;
    return db_->execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt();
  });
}

Result<std::vector<int>> Database::migrate(TimePoint now) {
  const auto all = embedded_migrations();
  RECHARGED_CHECK(validate_sequence(all));
  RECHARGED_TRY(const int start, schema_version());
  if (start > latest_version()) return too_new(path_, start);
  std::vector<int> applied;
  if (start == latest_version()) return applied;
  return guarded("apply the schema migrations", path_, [&]() -> Result<std::vector<int>> {
    if (sqlite3_db_readonly(db_->getHandle(), "main") == 1)
      return schema_error("readonly", path_,
                          "needs schema migrations but is open read-only; run `recharged migrate` first.");
    for (const Migration& m : all) {
      if (m.version <= start) continue;
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      RECHARGED_TRY(const int current, schema_version());
      if (current >= m.version) continue; // another process applied it while we waited for the lock
      if (current == 0 && has_foreign_tables(*db_))
        return schema_error("foreign_schema", path_,
                            "already holds tables but no schema_migrations: it is not a recharged database.");
      db_->exec(std::string(m.sql));
      SQLite::Statement record(*db_, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      record.bind(1, m.version);
      record.bind(2, std::string(m.name));
      record.bind(3, format_utc(now));
      record.exec();
      tx.commit();
      applied.push_back(m.version);
    }
    return applied;
  });
}

Status Database::check_in_place() {
  int moved = 0;
  // SQLITE_NOTFOUND: a VFS without the check (e.g. in-memory); nothing to compare against.
  if (sqlite3_file_control(db_->getHandle(), "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK || moved == 0)
    return {};
  return schema_error("moved", path_,
                      "is no longer the file recharged opened: it was moved, deleted or replaced while in use, so "
                      "nothing more is written to it. Put the original file back at this path (recharged resumes by "
                      "itself). Do not restart recharged on a new or empty file there: the open orders live only in the "
                      "original, and a restart on another file would never poll or close them. If the original is "
                      "lost, restore your latest backup to this path, then start recharged and find the orders applied "
                      "since that backup in WeChat Pay's merchant platform (README, \"Backups and recovery\").");
}

// The PRAGMAs are parsed each time on purpose: SQLite applies a synchronous setting when the statement is
// prepared, not when it is stepped.
Database::UnsyncedCommits::UnsyncedCommits(Database& db) : db_(db) {
  db_.native().exec("PRAGMA synchronous = NORMAL");
  db_.unsynced_left_ = true;
}

Database::UnsyncedCommits::~UnsyncedCommits() {
  if (sqlite3_exec(db_.native().getHandle(), "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr) == SQLITE_OK)
    db_.unsynced_left_ = false;
}

void Database::require_synced() {
  if (!unsynced_left_) return;
  db_->exec("PRAGMA synchronous = FULL");
  unsynced_left_ = false;
}

Result<Database::Checkpoint> Database::checkpoint() {
  return guarded("checkpoint the WAL", path_, [&]() -> Result<Checkpoint> {
    SQLite::Statement q(*db_, "PRAGMA wal_checkpoint(PASSIVE)");
    Checkpoint c;
    if (q.executeStep()) {
      c.busy = q.getColumn(0).getInt() != 0;
      c.wal_frames = q.getColumn(1).getInt();
      c.checkpointed = q.getColumn(2).getInt();
    }
    return c;
  });
}

Result<std::string> Database::integrity_check(bool quick, std::string_view table) {
  return guarded("check the database's integrity", path_, [&]() -> Result<std::string> {
    // The table name cannot be bound in a PRAGMA; callers pass a constant of ours, checked here all the same.
    if (!std::all_of(table.begin(), table.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; }))
      return Error::make(ErrorKind::internal, "table", "Not a table name: '" + std::string(table) + "'.");
    std::string pragma = quick ? "PRAGMA quick_check" : "PRAGMA integrity_check";
    if (!table.empty()) pragma += "(" + std::string(table) + ")";
    SQLite::Statement check(*db_, pragma);
    std::string report;
    while (check.executeStep()) {
      if (!report.empty()) report += '\n';
      report += check.getColumn(0).getString();
    }
    return report;
  });
}

} // namespace recharged::storage
