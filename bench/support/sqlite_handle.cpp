#include "bench/support/sqlite_handle.hpp"

#include <sqlite3.h>

#include <utility>

namespace recharged::bench {

Result<SqliteHandle> SqliteHandle::open(const std::filesystem::path& path, Mode mode) {
  sqlite3* db = nullptr;
  const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error::make(ErrorKind::storage, "sqlite", "Could not open " + path.string() + ": " + message + ".");
  }
  sqlite3_busy_timeout(db, 10'000);
  return SqliteHandle(db);
}

SqliteHandle::SqliteHandle(SqliteHandle&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

SqliteHandle::~SqliteHandle() { sqlite3_close(db_); }

Error SqliteHandle::error(std::string_view what) const {
  return Error::make(ErrorKind::storage, "sqlite", "Could not " + std::string(what) + ": " + sqlite3_errmsg(db_) + ".");
}

Status SqliteHandle::exec(std::string_view sql) {
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return error("run '" + std::string(sql.substr(0, 60)) + "'");
  return {};
}

Result<std::optional<std::int64_t>> SqliteHandle::scalar(std::string_view sql) {
  RECHARGED_TRY(SqliteStatement query, SqliteStatement::prepare(*this, sql));
  RECHARGED_TRY(const bool row, query.step());
  if (!row || query.column_is_null(0)) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>(query.column_int(0));
}

Result<SqliteStatement> SqliteStatement::prepare(SqliteHandle& db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.native(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
    return db.error("prepare '" + std::string(sql.substr(0, 60)) + "'");
  return SqliteStatement(db, stmt);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void SqliteStatement::bind_null(int index) { sqlite3_bind_null(stmt_, index); }

void SqliteStatement::bind_optional(int index, const std::optional<std::string>& text) {
  if (text) bind(index, std::string_view(*text));
  else bind_null(index);
}

Result<bool> SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error("step a statement");
}

Status SqliteStatement::run() {
  auto stepped = step();
  reset();
  if (!stepped) return std::move(stepped).error();
  return {};
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool SqliteStatement::column_is_null(int index) { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

std::int64_t SqliteStatement::column_int(int index) { return sqlite3_column_int64(stmt_, index); }

std::string SqliteStatement::column_text(int index) {
  const auto* text = sqlite3_column_text(stmt_, index);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text),
                                                        static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

} // namespace recharged::bench
