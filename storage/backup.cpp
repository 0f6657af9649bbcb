#include "storage/backup.hpp"

#include "storage/database.hpp"
#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>

namespace recharged::storage {
namespace {

namespace fs = std::filesystem;

Error backup_error(std::string code, const std::string& message) {
  return Error::make(ErrorKind::storage, std::move(code), message);
}

bool is_stamp(std::string_view s) {
  // yyyyMMddTHHmmss.mmmZ
  if (s.size() != 20 || s[8] != 'T' || s[15] != '.' || s[19] != 'Z') return false;
  for (std::size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17, 18})
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return false;
  return true;
}

std::string quoted_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int schema_version_of(SQLite::Database& db) {
  if (db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").getInt() == 0)
    return 0;
  return db.execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt();
}

std::vector<TableRows> count_rows(SQLite::Database& db) {
  std::vector<std::string> names;
  SQLite::Statement q(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  while (q.executeStep()) names.push_back(q.getColumn(0).getString());
  std::vector<TableRows> out;
  for (const auto& name : names)
    out.push_back({name, db.execAndGet("SELECT count(*) FROM " + quoted_identifier(name)).getInt64()});
  return out;
}

std::optional<std::string> last_event_at(SQLite::Database& db) {
  if (!db.tableExists("order_events")) return std::nullopt;
  const SQLite::Column c = db.execAndGet("SELECT MAX(at) FROM order_events");
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

Status sync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return backup_error("io", "Cannot open '" + path.string() + "' to sync it: " + std::strerror(errno) + ".");
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return backup_error("io", "Cannot sync '" + path.string() + "' to disk: " + std::strerror(saved) + ".");
  return {};
}

void remove_partial(const fs::path& partial) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(partial.string() + suffix, ec);
}

std::string table_list(const std::vector<TableRows>& tables) {
  std::string s;
  for (const auto& t : tables) s += (s.empty() ? "" : ", ") + t.table + " " + std::to_string(t.rows);
  return s;
}

// Copies the source's snapshot into `partial` and returns what the snapshot held.
Result<BackupReport> copy_snapshot(const BackupOptions& o, const fs::path& partial) {
  return guarded("back up the database", o.source, [&]() -> Result<BackupReport> {
    // Read-write without create: a missing file stays missing, and the -wal/-shm SQLite may need are the
    // database's own (SQLite hands them to the database file's owner when run as root).
    SQLite::Database src(o.source, SQLite::OPEN_READWRITE,
                         static_cast<int>(std::clamp<Millis::rep>(o.busy_timeout.count(), 0, INT_MAX)));
    src.exec("PRAGMA query_only = ON");
    BackupReport report;
    report.recovery_point = o.now;
    src.exec("BEGIN"); // the snapshot starts at the first read and lasts until COMMIT
    report.schema_version = schema_version_of(src);
    if (report.schema_version == 0) {
      src.exec("COMMIT");
      return backup_error("uninitialised", "The database '" + o.source.string() +
                                               "' holds no recharged schema; there is nothing to back up.");
    }
    report.tables = count_rows(src);
    report.last_event_at = last_event_at(src);
    SQLite::Database dst(partial, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    {
      SQLite::Backup copy(dst, src); // reads through src's open transaction: the same snapshot
      if (const int rc = copy.executeStep(-1); rc != SQLITE_DONE)
        return backup_error(std::string(error_code_for(rc)), "The copy of '" + o.source.string() +
                                                                 "' did not complete: " + sqlite3_errstr(rc) + ".");
    }
    src.exec("COMMIT");
    // A backup is one self-contained file: no -wal beside it to lose when it is copied somewhere.
    if (const std::string mode = dst.execAndGet("PRAGMA journal_mode = DELETE").getString(); mode != "delete")
      return backup_error("wal", "The copy stays in journal_mode '" + mode + "' instead of a single file.");
    return report;
  });
}

// Re-reads the finished copy on a connection of its own and compares it with the snapshot.
Status verify_copy(const fs::path& partial, BackupReport& report) {
  return guarded("check the backup", partial, [&]() -> Status {
    SQLite::Database copy(partial, SQLite::OPEN_READONLY);
    std::string integrity;
    SQLite::Statement check(copy, "PRAGMA integrity_check");
    while (check.executeStep()) integrity += (integrity.empty() ? "" : "\n") + check.getColumn(0).getString();
    if (integrity != "ok")
      return backup_error("corrupt", "The backup failed integrity_check: " + integrity.substr(0, 500));
    if (const int v = schema_version_of(copy); v != report.schema_version)
      return backup_error("mismatch", "The backup has schema version " + std::to_string(v) + ", the database " +
                                          std::to_string(report.schema_version) + ".");
    const auto rows = count_rows(copy);
    const bool same = rows.size() == report.tables.size() &&
                      std::equal(rows.begin(), rows.end(), report.tables.begin(), [](const auto& a, const auto& b) {
                        return a.table == b.table && a.rows == b.rows;
                      });
    if (!same)
      return backup_error("mismatch", "The backup's row counts (" + table_list(rows) +
                                          ") differ from the database's at the snapshot (" +
                                          table_list(report.tables) + ").");
    report.integrity = integrity;
    return {};
  });
}

std::vector<fs::path> prune(const fs::path& dir, const fs::path& database, std::size_t keep) {
  std::vector<fs::path> removed;
  if (keep == 0) return removed;
  auto all = list_backups(dir, database);
  if (all.size() <= keep) return removed;
  all.resize(all.size() - keep);
  for (const auto& old : all) {
    std::error_code ec;
    if (fs::remove(old, ec)) removed.push_back(old);
  }
  return removed;
}

} // namespace

std::string backup_stamp(TimePoint t) {
  std::string s;
  for (char c : format_utc(t)) // 2026-11-23T09:30:00.123Z
    if (c != '-' && c != ':') s += c;
  return s;
}

std::vector<fs::path> list_backups(const fs::path& dir, const fs::path& database) {
  const std::string prefix = database.stem().string() + "-";
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !name.starts_with(prefix) || !name.ends_with(".db")) continue;
    if (is_stamp(std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - 3)))
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<BackupReport> backup(const BackupOptions& o) {
  RECHARGED_CHECK(require_existing(o.source));
  std::error_code ec;
  if (!fs::is_directory(o.dest_dir, ec))
    return Error::invalid("DEST", "The backup directory '" + o.dest_dir.string() +
                                      "' does not exist or is not a directory; create it first (writable by the user "
                                      "who runs the backups).");
  const fs::path file = o.dest_dir / (o.source.stem().string() + "-" + backup_stamp(o.now) + ".db");
  if (fs::exists(file, ec))
    return backup_error("exists", "The backup '" + file.string() + "' already exists; nothing was overwritten.");
  const fs::path partial = file.string() + ".partial";
  remove_partial(partial);

  auto report = copy_snapshot(o, partial);
  Status done = report ? verify_copy(partial, *report) : Status(report.error());
  if (done) {
    fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read, ec);
    done = sync_path(partial, O_RDONLY);
  }
  bool renamed = false;
  if (done) {
    fs::rename(partial, file, ec);
    renamed = !ec;
    if (ec) done = backup_error("io", "Cannot rename the backup into place as '" + file.string() + "': " + ec.message() + ".");
  }
  if (done) done = sync_path(o.dest_dir, O_RDONLY | O_DIRECTORY);
  if (!done) {
    remove_partial(partial);
    if (renamed) fs::remove(file, ec);
    return std::move(done).error();
  }
  report->file = file;
  report->bytes = fs::file_size(file, ec);
  report->removed = prune(o.dest_dir, o.source, o.keep);
  return report;
}

} // namespace recharged::storage
