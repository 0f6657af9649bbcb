#pragma once

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

enum class MigrationMode {
  apply,            // bring the schema up to date (daemon start, `recharged migrate`)
  require_current,  // refuse with a clear error when migrations are pending (read-only tools)
};

struct DatabaseOptions {
  std::filesystem::path path;
  Millis busy_timeout{5'000};
  bool read_only = false;
};

// One SQLite connection with the pragmas money needs: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout.
// The schema comes only from migrations/NNNN_*.sql, embedded at build time and applied in order, each in
// one IMMEDIATE transaction with its version recorded. A database whose version is newer than this binary
// knows is refused. Not thread-safe: one connection per thread (OrderStore serialises its own use).
class Database {
public:
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(const DatabaseOptions& options, MigrationMode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Versions applied by this call, oldest first (empty when already current).
  [[nodiscard]] Result<std::vector<int>> migrate();
  [[nodiscard]] Result<int> schema_version();
  [[nodiscard]] static int latest_version() noexcept;
  // "ok", or SQLite's list of problems from PRAGMA integrity_check (quick_check when `quick`).
  [[nodiscard]] Result<std::string> integrity_check(bool quick = false);
  // Fails (storage, code "moved") once the file at path() is no longer the file this connection has open:
  // deleted, renamed or replaced while in use. SQLite in WAL mode would go on writing into the orphan.
  [[nodiscard]] Status check_in_place();
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  // For storage/*.cpp only.
  [[nodiscard]] SQLite::Database& native() noexcept { return *db_; }

private:
  Database(std::unique_ptr<SQLite::Database> db, std::filesystem::path path);
  std::unique_ptr<SQLite::Database> db_;
  std::filesystem::path path_;
};

} // namespace recharged::storage
