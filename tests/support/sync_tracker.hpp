#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace recharged::test {

// SQLite's default VFS with a record of what reached the disk: while a SyncTracker lives it is the default VFS
// of the process, and for every file SQLite writes it keeps how far the file was written and how far the last
// xSync made it durable. Databases must be opened after it and closed before it dies. Thread-safe.
//
// It tells a synced commit (the WAL fsynced up to its end) from an unsynced one, and it can copy a database as a
// power loss at this moment would leave it: the WAL cut back to its synced part.
class SyncTracker {
public:
  SyncTracker();
  ~SyncTracker();
  SyncTracker(const SyncTracker&) = delete;
  SyncTracker& operator=(const SyncTracker&) = delete;

  struct FileState {
    std::int64_t written = 0;    // end of the furthest write
    std::int64_t synced = 0;     // `written` as it was at the last xSync
    std::int64_t lowest_unsynced = INT64_MAX; // the lowest offset written since the last xSync
    int syncs = 0;
  };
  // The WAL of the database at `db` (its "-wal" file); all zero when SQLite never wrote it.
  [[nodiscard]] FileState wal(const std::filesystem::path& db) const;
  // Bytes of the WAL written since its last sync: 0 when everything committed is durable.
  [[nodiscard]] std::int64_t unsynced_wal_bytes(const std::filesystem::path& db) const;

  // Copies the database at `db` to `to` (and `to`-wal) as a power loss now would leave it: the main file as it
  // is (only checkpoints write it, and they sync it) and the WAL's synced prefix. Throws std::logic_error when
  // that model does not hold (the WAL was rewritten below its synced end since the last sync).
  void copy_after_power_loss(const std::filesystem::path& db, const std::filesystem::path& to) const;

  struct Vfs; // the sqlite3_vfs and its files (sync_tracker.cpp)
  void wrote(const std::string& file, std::int64_t offset, std::int64_t size);
  void synced(const std::string& file);
  void truncated(const std::string& file, std::int64_t size);

private:
  mutable std::mutex mu_;
  std::map<std::string, FileState> files_;
  std::unique_ptr<Vfs> vfs_;
};

} // namespace recharged::test
