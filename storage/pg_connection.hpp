#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace recharged::storage::pg {

// A bound parameter in libpq's text format; nullopt is SQL NULL. Times are bound as format_utc text, which
// PostgreSQL reads as timestamptz.
using Param = std::optional<std::string>;

// The rows of one statement's answer, read as text. A timestamptz column comes back as format_utc text
// ('YYYY-MM-DDTHH:MM:SS.mmmZ', UTC), the same form the SQLite backend stores, so rows read the same on both.
class Rows {
public:
  Rows() = default;
  explicit Rows(pg_result* result) noexcept;
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  [[nodiscard]] int size() const noexcept;
  [[nodiscard]] int columns() const noexcept;
  [[nodiscard]] bool is_null(int row, int column) const noexcept;
  [[nodiscard]] std::string text(int row, int column) const; // "" for NULL
  [[nodiscard]] std::int64_t integer(int row, int column) const; // 0 for NULL
  [[nodiscard]] std::string column_name(int column) const;
  [[nodiscard]] std::int64_t affected() const noexcept; // rows an INSERT, UPDATE or DELETE changed

private:
  pg_result* result_ = nullptr;
};

struct ConnectionOptions {
  std::string url;               // a libpq connection URI: postgresql://user@host/db?sslmode=verify-full
  Millis connect_timeout{10'000};
  const Clock* clock = nullptr;  // stamps schema_migrations.applied_at; null = the system clock
};

// One libpq connection with the session the stores need (TimeZone UTC, ISO dates). Not thread-safe: one
// connection per thread, like storage::Database. Errors are Error{kind=storage} with the same codes as the
// SQLite backend where the meaning is the same ("constraint" for a refused row or a schema guard, "busy" for a
// lock or serialization conflict, "unavailable" when the server cannot be reached or the connection broke —
// the next call reconnects). Messages never contain the password of the URL.
class Connection {
public:
  // As storage::Database::open: `create` applies pending migrations (the database itself must exist),
  // `upgrade` requires an existing recharged schema, `require_current` the latest one, `inspect` reads only.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const ConnectionOptions& options, MigrationMode mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement with $1…$n parameters. A broken connection is reset once before the statement is sent when
  // no transaction is open; inside a transaction the call fails "unavailable" and the transaction is gone.
  [[nodiscard]] Result<Rows> exec(std::string_view sql, std::span<const Param> params = {});
  [[nodiscard]] bool in_transaction() const noexcept;

  // Applies pending migrations under a transaction-level advisory lock, so two hosts starting together apply
  // each one once. Versions applied by this call, oldest first.
  [[nodiscard]] Result<std::vector<int>> migrate(TimePoint now);
  [[nodiscard]] Result<int> schema_version();
  [[nodiscard]] static int latest_version() noexcept;
  // The URL with its password replaced by "***", for messages and logs.
  [[nodiscard]] const std::string& redacted_url() const noexcept { return redacted_url_; }

private:
  Connection(pg_conn* conn, ConnectionOptions options, std::string redacted_url);
  [[nodiscard]] Status start_session();
  [[nodiscard]] Status ensure_connected();
  [[nodiscard]] Result<Rows> run(std::string_view sql, std::span<const Param> params, bool script);
  [[nodiscard]] Result<std::vector<int>> apply_pending(int start, TimePoint now);
  [[nodiscard]] Error failure(std::string_view what, const pg_result* result) const;
  [[nodiscard]] Error schema_error(std::string code, const std::string& problem) const;
  void rollback_quietly() noexcept;

  pg_conn* conn_;
  ConnectionOptions options_;
  std::string redacted_url_;
  std::string password_;       // scrubbed from every message libpq or the server writes
  bool read_only_ = false;     // MigrationMode::inspect: every transaction of the session is read-only
};

} // namespace recharged::storage::pg
