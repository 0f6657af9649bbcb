#include "storage/pg_connection.hpp"

#include "storage/pg_migrations.hpp"
#include "storage/pg_text.hpp"

#include <libpq-fe.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace recharged::storage::pg {
namespace {

constexpr Oid k_timestamptz_oid = 1184;
constexpr Oid k_bool_oid = 16;
// The key of the advisory lock every migrating connection takes: 'recharge' in ASCII.
constexpr std::int64_t k_migration_lock = 0x7265636861726765;

// The start of a statement, whitespace folded, to name it in a message. Statements carry only placeholders.
std::string statement_summary(std::string_view sql) {
  std::string out;
  for (char c : sql) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
    if (out.size() >= 80) return out + "…";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string trimmed(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '.')) out.pop_back();
  return out;
}

void replace_all(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
}

// The password libpq would use from `url`, to scrub it from messages in any spelling the server might echo.
std::string password_of(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  PQfreemem(error);
  std::string password;
  for (auto* o = options; o != nullptr && o->keyword != nullptr; ++o)
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  PQconninfoFree(options);
  return password;
}

void ignore_notice(void*, const char*) {}

bool transaction_open(const PGconn* conn) {
  const auto status = PQtransactionStatus(conn);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

// Whether an idle connection is known to be gone before anything is sent on it: libpq's own status, or a
// server that closed the socket. A restart leaves its "terminating connection" message and then EOF unread in
// the socket; an idle connection has nothing else to read but such asynchronous messages, which libpq consumes.
bool known_broken(PGconn* conn) {
  for (int round = 0; round < 8; ++round) {
    if (PQstatus(conn) != CONNECTION_OK) return true;
    char byte = 0;
    const ssize_t n = recv(PQsocket(conn), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    if (PQconsumeInput(conn) == 0) return true;
  }
  return PQstatus(conn) != CONNECTION_OK;
}

} // namespace

// Rows ---------------------------------------------------------------------------------------------------

Rows::Rows(pg_result* result) noexcept : result_(result) {}

Rows::~Rows() { PQclear(result_); }

Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int Rows::size() const noexcept { return result_ != nullptr ? PQntuples(result_) : 0; }

int Rows::columns() const noexcept { return result_ != nullptr ? PQnfields(result_) : 0; }

bool Rows::is_null(int row, int column) const noexcept {
  return result_ == nullptr || PQgetisnull(result_, row, column) == 1;
}

std::string Rows::text(int row, int column) const {
  if (is_null(row, column)) return "";
  const std::string_view value(PQgetvalue(result_, row, column),
                               static_cast<std::size_t>(PQgetlength(result_, row, column)));
  if (PQftype(result_, column) == k_timestamptz_oid) return utc_text_of_timestamptz(value);
  return std::string(value);
}

std::int64_t Rows::integer(int row, int column) const {
  if (is_null(row, column)) return 0;
  const std::string_view value(PQgetvalue(result_, row, column),
                               static_cast<std::size_t>(PQgetlength(result_, row, column)));
  if (PQftype(result_, column) == k_bool_oid) return value == "t" ? 1 : 0;
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc{} || end != value.data() + value.size())
    throw std::logic_error("Column '" + column_name(column) + "' holds '" + std::string(value.substr(0, 40)) +
                           "', which is not an integer.");
  return out;
}

std::string Rows::column_name(int column) const {
  const char* name = result_ != nullptr ? PQfname(result_, column) : nullptr;
  return name != nullptr ? name : "";
}

std::int64_t Rows::affected() const noexcept {
  if (result_ == nullptr) return 0;
  const std::string_view tuples = PQcmdTuples(result_);
  std::int64_t out = 0;
  std::from_chars(tuples.data(), tuples.data() + tuples.size(), out);
  return out;
}

// Connection ---------------------------------------------------------------------------------------------

Connection::Connection(pg_conn* conn, ConnectionOptions options, std::string redacted_url)
    : conn_(conn), options_(std::move(options)), redacted_url_(std::move(redacted_url)),
      password_(password_of(options_.url)) {}

Connection::~Connection() { PQfinish(conn_); }

int Connection::latest_version() noexcept {
  const auto all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

bool Connection::in_transaction() const noexcept { return transaction_open(conn_); }

Error Connection::schema_error(std::string code, const std::string& problem) const {
  return Error::make(ErrorKind::storage, std::move(code), "The PostgreSQL database '" + redacted_url_ + "' " + problem);
}

Error Connection::failure(std::string_view what, const pg_result* result) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* constraint = result != nullptr ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  const bool broken = PQstatus(conn_) != CONNECTION_OK;
  std::string code(error_code_for_sqlstate(sqlstate));
  if (broken) code = "unavailable";
  std::string message = "PostgreSQL at '" + redacted_url_ + "' could not " + std::string(what) + ": " +
                        (primary != nullptr ? trimmed(primary) : trimmed(PQerrorMessage(conn_)));
  if (constraint != nullptr) message += " (constraint " + std::string(constraint) + ")";
  message += sqlstate.empty() ? "." : " (SQLSTATE " + sqlstate + ").";
  if (broken) message += " The connection is lost; the next statement reconnects.";
  replace_all(message, password_);
  return Error::make(ErrorKind::storage, std::move(code), std::move(message));
}

void Connection::rollback_quietly() noexcept {
  if (PQstatus(conn_) == CONNECTION_OK && transaction_open(conn_)) PQclear(PQexec(conn_, "ROLLBACK"));
}

// UTC and ISO output are what Rows::text relies on. Set by statements rather than the startup packet's options,
// which connection poolers refuse; run again after every reset.
Status Connection::start_session() {
  std::string sql = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'";
  if (read_only_) sql += "; SET default_transaction_read_only = on";
  PGresult* result = PQexec(conn_, sql.c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  Error error = ok ? Error{} : failure("set up the session", result);
  PQclear(result);
  if (!ok) return error;
  return {};
}

// Before a statement: a connection known to be broken is reset once. If a transaction was open on it, the
// server has rolled it back: that is reported, after the reset, so in_transaction() is false and the next call
// starts afresh.
Status Connection::ensure_connected() {
  const bool had_transaction = transaction_open(conn_);
  if (!known_broken(conn_)) return {};
  const std::string reason = trimmed(PQerrorMessage(conn_));
  PQreset(conn_);
  const bool reconnected = PQstatus(conn_) == CONNECTION_OK;
  if (reconnected) RECHARGED_CHECK(start_session());
  if (had_transaction) {
    std::string message = "PostgreSQL at '" + redacted_url_ +
                          "' closed the connection inside a transaction: the transaction is lost (the server rolled "
                          "it back)" + (reason.empty() ? "" : " (" + reason + ")") +
                          (reconnected ? "; the connection is open again." : "; the next statement reconnects.");
    replace_all(message, password_);
    return Error::make(ErrorKind::storage, "unavailable", std::move(message));
  }
  if (!reconnected) return failure("reconnect", nullptr);
  return {};
}

Result<Rows> Connection::run(std::string_view sql, std::span<const Param> params, bool script) {
  RECHARGED_CHECK(ensure_connected());
  const bool had_transaction = transaction_open(conn_);
  const std::string statement(sql);
  PGresult* result = nullptr;
  if (script) {
    result = PQexec(conn_, statement.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    result = PQexecParams(conn_, statement.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0);
  }
  Rows rows(result);
  const auto status = PQresultStatus(result);
  if (result != nullptr &&
      (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY))
    return rows;
  Error error = failure(script ? "run a migration script" : "run '" + statement_summary(sql) + "'", result);
  // Sent, then cut off: the server may have run it. Inside a transaction only a COMMIT can have taken effect.
  if (PQstatus(conn_) != CONNECTION_OK)
    error.message += had_transaction ? " The transaction is lost, unless this was its COMMIT, whose outcome is unknown."
                                     : " Whether the statement took effect is unknown.";
  return error;
}

Result<Rows> Connection::exec(std::string_view sql, std::span<const Param> params) {
  return run(sql, params, false);
}

// pg_class is read with the statement's snapshot rather than through the session's catalog cache (as
// to_regclass would): after waiting for the migration lock, a table another session just created is seen.
Result<int> Connection::schema_version() {
  RECHARGED_TRY(const Rows table, exec("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'schema_migrations' "
                                       "AND relnamespace = current_schema()::regnamespace"));
  if (table.integer(0, 0) == 0) return 0;
  RECHARGED_TRY(const Rows version, exec("SELECT COALESCE(max(version), 0) FROM schema_migrations"));
  return static_cast<int>(version.integer(0, 0));
}

namespace {

Error too_new(const std::string& redacted, int version) {
  return Error::make(ErrorKind::storage, "schema_too_new",
                     "The PostgreSQL database '" + redacted + "' has schema version " + std::to_string(version) +
                         ", newer than the version " + std::to_string(Connection::latest_version()) +
                         " this recharged knows; refusing to touch it. Run the recharged release that wrote it (or "
                         "a newer one).");
}

} // namespace

Result<std::vector<int>> Connection::migrate(TimePoint now) {
  RECHARGED_CHECK(validate_sequence(embedded_migrations()));
  if (in_transaction())
    return Error::make(ErrorKind::internal, "migrate", "Schema migrations cannot run inside an open transaction.");
  RECHARGED_TRY(const int start, schema_version());
  if (start > latest_version()) return too_new(redacted_url_, start);
  if (start == latest_version()) return std::vector<int>{};
  if (read_only_) return schema_error("readonly", "needs schema migrations but is open read-only; run `recharged migrate` first.");
  auto applied = apply_pending(start, now);
  if (!applied) rollback_quietly();
  return applied;
}

// Each migration in its own transaction under the advisory lock; the version is read again once the lock is
// held, so of two connections migrating at once the second finds the work done and skips it.
Result<std::vector<int>> Connection::apply_pending(int start, TimePoint now) {
  std::vector<int> applied;
  const std::array<Param, 1> lock{std::to_string(k_migration_lock)};
  for (const Migration& m : embedded_migrations()) {
    if (m.version <= start) continue;
    RECHARGED_TRY(const Rows begun, exec("BEGIN"));
    RECHARGED_TRY(const Rows locked, exec("SELECT pg_advisory_xact_lock($1::bigint)", lock));
    RECHARGED_TRY(const int current, schema_version());
    if (current > latest_version()) return too_new(redacted_url_, current);
    if (current >= m.version) {
      RECHARGED_TRY(const Rows done, exec("COMMIT"));
      continue;
    }
    if (current == 0) {
      RECHARGED_TRY(const Rows tables,
                    exec("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"));
      if (tables.integer(0, 0) > 0)
        return schema_error("foreign_schema",
                            "already holds tables but no schema_migrations: it is not a recharged database.");
    }
    RECHARGED_TRY(const Rows script, run(m.sql, {}, true));
    const std::array<Param, 3> record{std::to_string(m.version), std::string(m.name), format_utc(now)};
    RECHARGED_TRY(const Rows recorded,
                  exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", record));
    RECHARGED_TRY(const Rows committed, exec("COMMIT"));
    applied.push_back(m.version);
  }
  return applied;
}

Result<std::unique_ptr<Connection>> Connection::open(const ConnectionOptions& options, MigrationMode mode) {
  const std::string redacted = redact_url(options.url);
  const auto seconds = std::max<Millis::rep>(1, (options.connect_timeout.count() + 999) / 1000);
  const std::string timeout = std::to_string(seconds);
  // Keywords after dbname override the URL's; fallback_application_name yields to an application_name in it.
  const char* keywords[] = {"dbname", "connect_timeout", "client_encoding", "fallback_application_name", nullptr};
  const char* values[] = {options.url.c_str(), timeout.c_str(), "UTF8", "recharged", nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, 1);
  if (raw == nullptr) return Error::make(ErrorKind::storage, "unavailable", "libpq could not allocate a connection.");
  std::unique_ptr<Connection> conn(new Connection(raw, options, redacted));
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  if (PQstatus(raw) != CONNECTION_OK) return conn->failure("connect", nullptr);
  conn->read_only_ = mode == MigrationMode::inspect;
  RECHARGED_CHECK(conn->start_session());

  RECHARGED_TRY(const int version, conn->schema_version());
  if (version == 0 && mode != MigrationMode::create)
    return conn->schema_error("uninitialised", "holds no recharged schema yet; create it with `recharged migrate`.");
  if (version > latest_version()) return too_new(redacted, version);
  if (mode == MigrationMode::inspect) return conn;
  if (mode == MigrationMode::require_current) {
    if (version < latest_version())
      return conn->schema_error("schema_outdated", "has schema version " + std::to_string(version) +
                                                       " but this recharged needs version " +
                                                       std::to_string(latest_version()) +
                                                       "; run `recharged migrate` first.");
    return conn;
  }
  const SystemClock system;
  RECHARGED_TRY(const auto applied, conn->migrate((options.clock != nullptr ? *options.clock : system).now()));
  static_cast<void>(applied);
  return conn;
}

} // namespace recharged::storage::pg
