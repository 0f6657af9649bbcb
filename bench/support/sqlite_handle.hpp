#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace recharged::bench {

// A raw SQLite connection for bench tools that must bypass the store (bulk generation, external counting).
// Errors are values carrying SQLite's message. Not thread-safe.
class SqliteHandle {
public:
  enum class Mode { read_only, read_write };

  [[nodiscard]] static Result<SqliteHandle> open(const std::filesystem::path& path, Mode mode);
  SqliteHandle(SqliteHandle&& other) noexcept;
  SqliteHandle& operator=(SqliteHandle&&) = delete;
  SqliteHandle(const SqliteHandle&) = delete;
  SqliteHandle& operator=(const SqliteHandle&) = delete;
  ~SqliteHandle();

  // Runs one or more statements without results.
  [[nodiscard]] Status exec(std::string_view sql);
  // The first column of the first row as an integer; nullopt for no row or NULL.
  [[nodiscard]] Result<std::optional<std::int64_t>> scalar(std::string_view sql);
  [[nodiscard]] sqlite3* native() noexcept { return db_; }
  [[nodiscard]] Error error(std::string_view what) const;

private:
  explicit SqliteHandle(sqlite3* db) noexcept : db_(db) {}
  sqlite3* db_ = nullptr;
};

// One prepared statement, bound by 1-based index, re-used across rows (step → reset).
class SqliteStatement {
public:
  [[nodiscard]] static Result<SqliteStatement> prepare(SqliteHandle& db, std::string_view sql);
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  void bind_null(int index);
  void bind_optional(int index, const std::optional<std::string>& text);
  // Steps once; true when a row is available. Errors carry SQLite's message.
  [[nodiscard]] Result<bool> step();
  // Runs a statement that returns no rows, then resets it for the next use.
  [[nodiscard]] Status run();
  void reset();
  [[nodiscard]] bool column_is_null(int index);
  [[nodiscard]] std::int64_t column_int(int index);
  [[nodiscard]] std::string column_text(int index);

private:
  SqliteStatement(SqliteHandle& db, sqlite3_stmt* stmt) noexcept : db_(&db), stmt_(stmt) {}
  SqliteHandle* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

} // namespace recharged::bench
