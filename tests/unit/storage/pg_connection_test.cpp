// storage::pg::Connection against a real PostgreSQL 15 server: migrations, modes, errors, reconnects.
#include "storage/pg_migrations.hpp"
#include "tests/unit/storage/pg_fixture.hpp"

#include <latch>
#include <thread>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::storage::pg;
using namespace recharged::test;

namespace {

int count(PgFixture& f, const std::string& sql) { return static_cast<int>(f.must(sql).integer(0, 0)); }

std::string error_of(const Result<std::unique_ptr<Connection>>& opened) {
  REQUIRE_FALSE(opened.ok());
  return opened.error().code;
}

} // namespace

TEST_CASE("migrations bring an empty PostgreSQL database to the latest version, and a second open applies nothing") {
  PgFixture f;
  CHECK(Connection::latest_version() == static_cast<int>(pg::embedded_migrations().size()));
  CHECK(validate_sequence(pg::embedded_migrations()).ok());
  CHECK(f.conn->schema_version().value() == Connection::latest_version());

  const auto rows = f.must("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  REQUIRE(rows.size() == Connection::latest_version());
  CHECK(rows.integer(0, 0) == 1);
  CHECK(rows.text(0, 1) == "schema");
  CHECK(rows.text(0, 2) == "2026-11-23T02:00:00.123Z"); // the injected clock, read back as format_utc text
  for (const char* table : {"orders", "order_events", "notifications", "fund_returns", "schema_migrations",
                            "feed_events", "webhook_cursors", "webhook_deliveries", "webhook_attempts",
                            "api_idempotency_keys", "nodes", "order_timeline", "open_orders", "landed_per_day",
                            "orders_needing_attention", "api_error_rates"})
    CHECK_MESSAGE(f.must("SELECT to_regclass($1) IS NOT NULL", {std::string(table)}).integer(0, 0) == 1, table);

  auto again = f.open(MigrationMode::create);
  CHECK(again->migrate(k_pg_now).value().empty());
  CHECK(count(f, "SELECT count(*) FROM schema_migrations") == Connection::latest_version());
  CHECK(f.open(MigrationMode::upgrade)->schema_version().value() == Connection::latest_version());
  CHECK(f.open(MigrationMode::require_current)->schema_version().value() == Connection::latest_version());
}

TEST_CASE("a PostgreSQL database whose schema is newer than this binary is refused in every mode") {
  PgFixture f;
  const int newer = Connection::latest_version() + 1;
  f.must("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', now())",
         {std::to_string(newer)});
  for (const auto mode :
       {MigrationMode::create, MigrationMode::upgrade, MigrationMode::require_current, MigrationMode::inspect}) {
    const auto opened = open_pg(f.url, mode);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().code == "schema_too_new");
    CHECK(opened.error().message.find("has schema version " + std::to_string(newer) + ", newer than the version") !=
          std::string::npos);
  }
  const auto refused = f.conn->migrate(k_pg_now);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "schema_too_new");
  CHECK(count(f, "SELECT count(*) FROM schema_migrations WHERE version = " + std::to_string(newer)) == 1);
}

TEST_CASE("only `create` starts a schema in an empty database; `inspect` never writes") {
  const std::string url = PgServer::shared().create_database();
  CHECK(error_of(open_pg(url, MigrationMode::upgrade)) == "uninitialised");
  CHECK(error_of(open_pg(url, MigrationMode::require_current)) == "uninitialised");
  CHECK(error_of(open_pg(url, MigrationMode::inspect)) == "uninitialised");

  auto created = open_pg(url, MigrationMode::create);
  REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
  auto inspect = open_pg(url, MigrationMode::inspect);
  REQUIRE(inspect.ok());
  CHECK((*inspect)->schema_version().value() == Connection::latest_version());
  const auto write = (*inspect)->exec("INSERT INTO nodes (id, started_at, heartbeat_at) VALUES ('n', now(), now())");
  REQUIRE_FALSE(write.ok());
  CHECK(write.error().code == "readonly");
  CHECK(write.error().message.find("SQLSTATE 25006") != std::string::npos);
}

TEST_CASE("a database holding other tables but no schema_migrations is not taken over") {
  const std::string url = PgServer::shared().create_database();
  {
    auto conn = open_pg(url, MigrationMode::create);
    REQUIRE(conn.ok());
    // Make the schema foreign after the fact: drop our bookkeeping, keep a table.
    REQUIRE((*conn)->exec("DROP TABLE schema_migrations").ok());
  }
  const auto opened = open_pg(url, MigrationMode::create);
  CHECK(error_of(opened) == "foreign_schema");
}

TEST_CASE("connections migrating the same database at once all succeed and apply each version once") {
  constexpr int k_rounds = 4;
  constexpr int k_connections = 4;
  for (int round = 0; round < k_rounds; ++round) {
    const std::string url = PgServer::shared().create_database();
    std::latch go(k_connections);
    std::vector<std::string> errors(k_connections);
    std::vector<std::thread> threads;
    for (int i = 0; i < k_connections; ++i)
      threads.emplace_back([&, i] {
        go.arrive_and_wait();
        auto opened = open_pg(url, MigrationMode::create);
        if (!opened.ok()) errors[static_cast<std::size_t>(i)] = opened.error().message;
      });
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK_MESSAGE(e.empty(), e);
    auto check = open_pg(url, MigrationMode::require_current);
    REQUIRE(check.ok());
    const auto rows = (*check)->exec("SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY 1");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == Connection::latest_version());
    for (int r = 0; r < rows->size(); ++r) {
      CHECK(rows->integer(r, 0) == r + 1);
      CHECK(rows->integer(r, 1) == 1);
    }
  }
}

TEST_CASE("timestamptz columns read back as format_utc text; other columns verbatim") {
  PgFixture f;
  const auto rows = f.must("SELECT '2026-11-23 10:00:00.123456+08'::timestamptz, '2026-11-23T02:00:00Z'::timestamptz, "
                           "NULL::timestamptz, '2026-11-23 10:00:00'::timestamp, 'a  b'::text, 42::bigint, "
                           "$1::timestamptz",
                           {std::string("2027-01-31T23:59:59.999Z")});
  CHECK(rows.text(0, 0) == "2026-11-23T02:00:00.123Z");
  CHECK(rows.text(0, 1) == "2026-11-23T02:00:00.000Z");
  CHECK(rows.is_null(0, 2));
  CHECK(rows.text(0, 2).empty());
  CHECK(rows.integer(0, 2) == 0);
  CHECK(rows.text(0, 3) == "2026-11-23 10:00:00"); // not a timestamptz: as the server wrote it
  CHECK(rows.text(0, 4) == "a  b");
  CHECK(rows.integer(0, 5) == 42);
  CHECK(rows.text(0, 6) == "2027-01-31T23:59:59.999Z"); // a bound format_utc text round-trips
  CHECK(rows.column_name(4) == "text");
  CHECK(rows.columns() == 7);

  // A stored order's times come back in the SQLite backend's form, and NULL binds as NULL.
  const std::string id = f.insert_order("T1");
  f.must("UPDATE orders SET next_poll_at = $1, last_poll_at = $2 WHERE id = $3",
         {std::string("2026-11-23T02:05:00.001Z"), std::nullopt, id});
  const auto order = f.must("SELECT created_at, next_poll_at, last_poll_at FROM orders WHERE id = $1", {id});
  CHECK(order.text(0, 0) == format_utc(k_pg_now));
  CHECK(order.text(0, 1) == "2026-11-23T02:05:00.001Z");
  CHECK(order.is_null(0, 2));
  CHECK(f.must("UPDATE orders SET poll_count = poll_count + 1 WHERE id = $1", {id}).affected() == 1);
}

TEST_CASE("server errors map to the storage codes callers branch on, with the SQLSTATE and what failed") {
  PgFixture f;
  f.insert_order("DUP");
  const Error duplicate = f.refused("INSERT INTO orders (out_recharge_no, sub_mchid, recharge_scene, account_type, "
                                    "amount, currency, state, created_at, updated_at, close_after) VALUES ('DUP', 'm', "
                                    "'s', 'a', 1, 'CNY', 'NEW', now(), now(), now())");
  CHECK(duplicate.kind == ErrorKind::storage);
  CHECK(duplicate.code == "constraint");
  CHECK(duplicate.message.find("SQLSTATE 23505") != std::string::npos);
  CHECK(duplicate.message.find("INSERT INTO orders") != std::string::npos);
  CHECK(duplicate.message.find("orders_out_recharge_no_key") != std::string::npos);

  const Error syntax = f.refused("SELEC 1");
  CHECK(syntax.code == "postgres");
  CHECK(syntax.message.find("SQLSTATE 42601") != std::string::npos);

  // A row lock another connection holds, asked for with NOWAIT: 55P03, "busy".
  auto other = f.open(MigrationMode::require_current);
  REQUIRE(other->exec("BEGIN").ok());
  REQUIRE(other->exec("SELECT id FROM orders FOR UPDATE").ok());
  CHECK(other->in_transaction());
  const Error busy = f.refused("SELECT id FROM orders FOR UPDATE NOWAIT");
  CHECK(busy.code == "busy");
  CHECK(busy.message.find("SQLSTATE 55P03") != std::string::npos);
  REQUIRE(other->exec("ROLLBACK").ok());
  CHECK_FALSE(other->in_transaction());
}

TEST_CASE("the URL's password appears in no error message") {
  const std::string secret = "s3cret-Pa55";
  const std::string good = PgServer::shared().create_database();
  // Trust authentication ignores the password, so the connection works and a failing statement can be examined.
  const std::string with_password = "postgresql://recharged_test:" + secret + good.substr(good.find('@'));
  auto conn = open_pg(with_password, MigrationMode::create);
  REQUIRE_MESSAGE(conn.ok(), (conn.ok() ? "" : conn.error().message));
  CHECK((*conn)->redacted_url().find(secret) == std::string::npos);
  CHECK((*conn)->redacted_url().find("recharged_test:***@") != std::string::npos);
  const auto failed = (*conn)->exec("SELECT * FROM no_such_table");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find(secret) == std::string::npos);
  CHECK(failed.error().message.find("***") != std::string::npos);

  // A database that does not exist, and a server that is not there: the connect error names the URL, redacted.
  const std::string missing_db = "postgresql://recharged_test:" + secret + "@/no_such_db" + good.substr(good.find('?'));
  const auto no_db = open_pg(missing_db, MigrationMode::create);
  REQUIRE_FALSE(no_db.ok());
  CHECK(no_db.error().code == "unavailable");
  CHECK(no_db.error().message.find(secret) == std::string::npos);
  CHECK(no_db.error().message.find("no_such_db") != std::string::npos);
  const auto no_server =
      open_pg("postgresql://recharged_test:" + secret + "@/x?host=/nonexistent-socket-dir&password=" + secret,
              MigrationMode::create);
  REQUIRE_FALSE(no_server.ok());
  CHECK(no_server.error().code == "unavailable");
  CHECK(no_server.error().message.find(secret) == std::string::npos);
}

TEST_CASE("after a server restart an idle connection works on its next statement; an open transaction is lost") {
  PgServer server;
  const std::string url = server.create_database();
  auto opened = open_pg(url, MigrationMode::create);
  REQUIRE(opened.ok());
  Connection& conn = **opened;
  auto idle = open_pg(url, MigrationMode::require_current);
  REQUIRE(idle.ok());
  REQUIRE(conn.exec("INSERT INTO nodes (id, started_at, heartbeat_at) VALUES ('kept', now(), now())").ok());
  REQUIRE(conn.exec("BEGIN").ok());
  REQUIRE(conn.exec("INSERT INTO nodes (id, started_at, heartbeat_at) VALUES ('lost', now(), now())").ok());
  REQUIRE(conn.in_transaction());

  server.restart();

  const auto again = (*idle)->exec("SELECT count(*) FROM nodes");
  REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message));
  CHECK(again->integer(0, 0) == 1);
  CHECK((*idle)->exec("SHOW TimeZone")->text(0, 0) == "UTC"); // the session is set up again after the reset

  const auto cut = conn.exec("INSERT INTO nodes (id, started_at, heartbeat_at) VALUES ('lost2', now(), now())");
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().code == "unavailable");
  CHECK(cut.error().message.find("transaction is lost") != std::string::npos);
  CHECK_FALSE(conn.in_transaction());
  const auto after = conn.exec("SELECT string_agg(id, ',') FROM nodes");
  REQUIRE_MESSAGE(after.ok(), (after.ok() ? "" : after.error().message));
  CHECK(after->text(0, 0) == "kept");
}

TEST_CASE("after a crash and recovery an idle connection works again and committed rows are there") {
  PgServer server;
  const std::string url = server.create_database();
  auto opened = open_pg(url, MigrationMode::create);
  REQUIRE(opened.ok());
  REQUIRE((*opened)->exec("INSERT INTO nodes (id, started_at, heartbeat_at) VALUES ('n1', now(), now())").ok());

  server.crash_and_restart();

  const auto rows = (*opened)->exec("SELECT id FROM nodes");
  REQUIRE_MESSAGE(rows.ok(), (rows.ok() ? "" : rows.error().message));
  REQUIRE(rows->size() == 1);
  CHECK(rows->text(0, 0) == "n1");
}

TEST_CASE("a stopped server is `unavailable`, for an open connection and for a new one") {
  PgServer server;
  const std::string url = server.create_database();
  auto opened = open_pg(url, MigrationMode::create);
  REQUIRE(opened.ok());
  server.stop();

  const auto rows = (*opened)->exec("SELECT 1");
  REQUIRE_FALSE(rows.ok());
  CHECK(rows.error().kind == ErrorKind::storage);
  CHECK(rows.error().code == "unavailable");
  const auto again = (*opened)->exec("SELECT 1"); // a reset is tried, and fails the same way
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == "unavailable");
  const auto fresh = open_pg(url, MigrationMode::require_current);
  REQUIRE_FALSE(fresh.ok());
  CHECK(fresh.error().code == "unavailable");
  CHECK(fresh.error().message.find("could not connect") != std::string::npos);
}
