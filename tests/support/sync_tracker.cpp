#include "tests/support/sync_tracker.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace recharged::test {
namespace {

// A file of the tracking VFS: our header, then the real VFS's file (szOsFile covers both).
struct TrackedFile {
  sqlite3_file base;
  SyncTracker* tracker;
  char name[512];
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

TrackedFile* tracked(sqlite3_file* f) { return reinterpret_cast<TrackedFile*>(f); }

int x_close(sqlite3_file* f) { return tracked(f)->real()->pMethods->xClose(tracked(f)->real()); }

int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return tracked(f)->real()->pMethods->xRead(tracked(f)->real(), buf, amount, offset);
}

int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  TrackedFile* t = tracked(f);
  const int rc = t->real()->pMethods->xWrite(t->real(), buf, amount, offset);
  if (rc == SQLITE_OK) t->tracker->wrote(t->name, offset, amount);
  return rc;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  TrackedFile* t = tracked(f);
  const int rc = t->real()->pMethods->xTruncate(t->real(), size);
  if (rc == SQLITE_OK) t->tracker->truncated(t->name, size);
  return rc;
}

int x_sync(sqlite3_file* f, int flags) {
  TrackedFile* t = tracked(f);
  const int rc = t->real()->pMethods->xSync(t->real(), flags);
  if (rc == SQLITE_OK) t->tracker->synced(t->name);
  return rc;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return tracked(f)->real()->pMethods->xFileSize(tracked(f)->real(), size);
}
int x_lock(sqlite3_file* f, int level) { return tracked(f)->real()->pMethods->xLock(tracked(f)->real(), level); }
int x_unlock(sqlite3_file* f, int level) { return tracked(f)->real()->pMethods->xUnlock(tracked(f)->real(), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return tracked(f)->real()->pMethods->xCheckReservedLock(tracked(f)->real(), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return tracked(f)->real()->pMethods->xFileControl(tracked(f)->real(), op, arg);
}
int x_sector_size(sqlite3_file* f) { return tracked(f)->real()->pMethods->xSectorSize(tracked(f)->real()); }
int x_device_characteristics(sqlite3_file* f) {
  return tracked(f)->real()->pMethods->xDeviceCharacteristics(tracked(f)->real());
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return tracked(f)->real()->pMethods->xShmMap(tracked(f)->real(), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return tracked(f)->real()->pMethods->xShmLock(tracked(f)->real(), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { tracked(f)->real()->pMethods->xShmBarrier(tracked(f)->real()); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return tracked(f)->real()->pMethods->xShmUnmap(tracked(f)->real(), delete_flag);
}
// No memory-mapped reads: every page goes through x_read (mmap is off by default anyway).
int x_fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int x_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods k_io = {3,         x_close,          x_read,       x_write,
                                 x_truncate, x_sync,           x_file_size,  x_lock,
                                 x_unlock,   x_check_reserved_lock, x_file_control, x_sector_size,
                                 x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier,
                                 x_shm_unmap, x_fetch,         x_unfetch};

void copy_prefix(const std::filesystem::path& from, const std::filesystem::path& to, std::int64_t size) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  std::string buffer(static_cast<std::size_t>(size), '\0');
  in.read(buffer.data(), size);
  if (in.gcount() != size) throw std::logic_error("could not read " + from.string());
  out.write(buffer.data(), size);
  if (!out) throw std::logic_error("could not write " + to.string());
}

} // namespace

struct SyncTracker::Vfs {
  sqlite3_vfs vfs{};
  sqlite3_vfs* real = nullptr;
};

namespace {

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* tracker = static_cast<SyncTracker*>(vfs->pAppData);
  sqlite3_vfs* real = reinterpret_cast<SyncTracker::Vfs*>(vfs)->real; // vfs is the Vfs's first member
  TrackedFile* t = tracked(file);
  t->base.pMethods = nullptr;
  t->tracker = tracker;
  std::snprintf(t->name, sizeof(t->name), "%s", name != nullptr ? name : "");
  const int rc = real->xOpen(real, name, t->real(), flags, out_flags);
  if (t->real()->pMethods != nullptr) t->base.pMethods = &k_io;
  return rc;
}

} // namespace

SyncTracker::SyncTracker() : vfs_(std::make_unique<Vfs>()) {
  static_assert(offsetof(Vfs, vfs) == 0);
  vfs_->real = sqlite3_vfs_find(nullptr);
  if (vfs_->real == nullptr) throw std::logic_error("SQLite has no default VFS");
  vfs_->vfs = *vfs_->real;
  vfs_->vfs.pNext = nullptr;
  vfs_->vfs.zName = "recharged-sync-tracker";
  vfs_->vfs.szOsFile = static_cast<int>(sizeof(TrackedFile)) + vfs_->real->szOsFile;
  vfs_->vfs.pAppData = this;
  vfs_->vfs.xOpen = x_open;
  if (sqlite3_vfs_register(&vfs_->vfs, 1) != SQLITE_OK) throw std::logic_error("could not register the tracking VFS");
}

SyncTracker::~SyncTracker() { sqlite3_vfs_unregister(&vfs_->vfs); }

void SyncTracker::wrote(const std::string& file, std::int64_t offset, std::int64_t size) {
  std::lock_guard lock(mu_);
  FileState& s = files_[file];
  s.written = std::max(s.written, offset + size);
  s.lowest_unsynced = std::min(s.lowest_unsynced, offset);
}

void SyncTracker::synced(const std::string& file) {
  std::lock_guard lock(mu_);
  FileState& s = files_[file];
  s.synced = s.written;
  s.lowest_unsynced = INT64_MAX;
  ++s.syncs;
}

void SyncTracker::truncated(const std::string& file, std::int64_t size) {
  std::lock_guard lock(mu_);
  FileState& s = files_[file];
  s.written = std::min(s.written, size);
  s.lowest_unsynced = std::min(s.lowest_unsynced, size);
}

SyncTracker::FileState SyncTracker::wal(const std::filesystem::path& db) const {
  std::lock_guard lock(mu_);
  const auto found = files_.find(std::filesystem::weakly_canonical(db).string() + "-wal");
  return found == files_.end() ? FileState{} : found->second;
}

std::int64_t SyncTracker::unsynced_wal_bytes(const std::filesystem::path& db) const {
  const FileState s = wal(db);
  return s.written - s.synced;
}

void SyncTracker::copy_after_power_loss(const std::filesystem::path& db, const std::filesystem::path& to) const {
  const FileState s = wal(db);
  if (s.lowest_unsynced < s.synced)
    throw std::logic_error("the WAL of " + db.string() + " was rewritten below its synced end since its last sync");
  std::filesystem::copy_file(db, to, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(to.string() + "-wal");
  std::filesystem::remove(to.string() + "-shm");
  if (s.synced > 0) copy_prefix(db.string() + "-wal", to.string() + "-wal", s.synced);
}

} // namespace recharged::test
