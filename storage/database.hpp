#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace recharged::storage {

// How open() treats the file and its schema. Only `create` makes a new database: every other caller refuses a
// missing file (a typo in [database] path, a database moved away) instead of starting an empty one that no daemon
// watches.
enum class MigrationMode {
  create,           // `recharged migrate` (and tests): create the file if it is missing, then apply pending migrations
  upgrade,          // the file must exist and hold a recharged schema; pending migrations are applied
  require_current,  // the file must exist with the latest schema (read-only tools)
  inspect,          // the file must exist; its schema is read, never changed, and may be behind (`recharged check`)
};

// Fails (storage, code "missing") with what to do when `path` does not exist, before anything opens it: a missing
// database is an operator's problem to fix, never a database to start afresh.
[[nodiscard]] Status require_existing(const std::filesystem::path& path);

// How far a commit has gone when it returns.
//   synced    fsynced (synchronous=FULL, every connection's default): survives a process crash and a power loss.
//   unsynced  written to the WAL through the OS, not fsynced (synchronous=NORMAL): survives a process crash
//             (kill -9 included), but a power loss or kernel crash may lose it, and with it the unsynced commits
//             after it, never a synced commit nor anything before one (one fsync of the WAL covers every frame
//             written before it). The database stays consistent either way.
enum class Durability { unsynced, synced };

struct DatabaseOptions {
  std::filesystem::path path;
  Millis busy_timeout{5'000};
  bool read_only = false;
  const Clock* clock = nullptr; // stamps schema_migrations.applied_at; null = the system clock
};

// One SQLite connection with the pragmas money needs: WAL, synchronous=FULL (commits are synced unless an
// UnsyncedCommits scope says otherwise), foreign_keys=ON, busy_timeout.
// The schema comes only from migrations/NNNN_*.sql, embedded at build time and applied in order, each in
// one IMMEDIATE transaction with its version recorded. A database whose version is newer than this binary
// knows is refused. Not thread-safe: one connection per thread (OrderStore serialises its own use).
class Database {
public:
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(const DatabaseOptions& options, MigrationMode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Versions applied by this call, oldest first (empty when already current), stamped with `now`.
  [[nodiscard]] Result<std::vector<int>> migrate(TimePoint now);
  [[nodiscard]] Result<int> schema_version();
  [[nodiscard]] static int latest_version() noexcept;
  // "ok", or SQLite's list of problems from PRAGMA integrity_check (quick_check when `quick`), of the whole
  // file or, when `table` is given, of that table and its indexes only.
  [[nodiscard]] Result<std::string> integrity_check(bool quick = false, std::string_view table = {});
  // A passive WAL checkpoint (it never waits and never blocks a writer): how many WAL frames there are and how
  // many of them are now in the database. Frames that stay behind are held by a reader's old snapshot.
  struct Checkpoint {
    int wal_frames = 0;
    int checkpointed = 0;
    bool busy = false;
  };
  [[nodiscard]] Result<Checkpoint> checkpoint();
  // Fails (storage, code "moved") once the file at path() is no longer the file this connection has open:
  // deleted, renamed or replaced while in use. SQLite in WAL mode would go on writing into the orphan.
  [[nodiscard]] Status check_in_place();
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  // While one lives, commits on this connection are Durability::unsynced; its end restores synced. Create it
  // outside any transaction, inside guarded() (the constructor throws SQLite::Exception on failure).
  class UnsyncedCommits;
  // Before a write that must be synced: restores synchronous=FULL if an UnsyncedCommits could not (throws
  // SQLite::Exception when it still cannot). Free when the connection is as it should be.
  void require_synced();

  // For storage/*.cpp only.
  [[nodiscard]] SQLite::Database& native() noexcept { return *db_; }

private:
  Database(std::unique_ptr<SQLite::Database> db, std::filesystem::path path);
  std::unique_ptr<SQLite::Database> db_;
  std::filesystem::path path_;
  bool unsynced_left_ = false; // an UnsyncedCommits ended without restoring synchronous=FULL
};

class Database::UnsyncedCommits {
public:
  explicit UnsyncedCommits(Database& db);
  ~UnsyncedCommits();
  UnsyncedCommits(const UnsyncedCommits&) = delete;
  UnsyncedCommits& operator=(const UnsyncedCommits&) = delete;

private:
  Database& db_;
};

} // namespace recharged::storage
