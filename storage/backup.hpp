#pragma once

#include "core/result.hpp"
#include "core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace recharged::storage {

struct BackupOptions {
  std::filesystem::path source;   // the database ([database] path); must exist and hold a recharged schema
  std::filesystem::path dest_dir; // an existing, writable directory
  TimePoint now;                  // the recovery point, taken just before the snapshot; names the copy
  std::size_t keep = 0;           // keep the newest `keep` copies of this database in dest_dir (new one included); 0 = all
  Millis busy_timeout{5'000};
};

struct TableRows {
  std::string table;
  std::int64_t rows = 0;
};

struct BackupReport {
  std::filesystem::path file;          // <dest_dir>/<stem>-<yyyyMMddTHHmmss.mmmZ>.db
  TimePoint recovery_point;            // every change committed before it is in the copy
  std::optional<std::string> last_event_at; // the newest order_events.at in the copy ("" tables: nullopt)
  int schema_version = 0;
  std::string integrity = "ok";        // PRAGMA integrity_check of the copy
  std::vector<TableRows> tables;       // every table, equal in the source's snapshot and in the copy
  std::uintmax_t bytes = 0;
  std::vector<std::filesystem::path> removed; // older copies removed to honour `keep`, oldest first
};

// An online, consistent copy of a live database (the daemon may be writing): one read transaction on the source
// holds a snapshot while its row counts are taken and SQLite's backup API copies every page from it. The copy is
// written beside its final name, switched to a self-contained rollback-journal file, checked (integrity_check,
// schema version and every table's row count equal to the snapshot's), made durable, renamed into place, and only
// then are older copies pruned. Nothing is left behind on failure. Errors: invalid_input (dest_dir), storage.
[[nodiscard]] Result<BackupReport> backup(const BackupOptions& options);

// The backups of `database` in `dir` (files named by backup()), oldest first.
[[nodiscard]] std::vector<std::filesystem::path> list_backups(const std::filesystem::path& dir,
                                                              const std::filesystem::path& database);

// "20261123T093000.123Z": the UTC stamp in a backup's name (sorts as time does).
[[nodiscard]] std::string backup_stamp(TimePoint t);

} // namespace recharged::storage
