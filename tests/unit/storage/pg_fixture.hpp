#pragma once

// A fresh, migrated database on the test process's PostgreSQL server (tests/support/pg_server.hpp), and
// statements on it that either succeed or fail with a storage error, for the PostgreSQL backend's tests.

#include "core/clock.hpp"
#include "storage/pg_connection.hpp"
#include "tests/support/pg_server.hpp"

#include <doctest/doctest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace recharged::test {

inline const TimePoint k_pg_now = parse_rfc3339("2026-11-23T02:00:00.123Z").value();

inline Result<std::unique_ptr<storage::pg::Connection>> open_pg(const std::string& url, storage::MigrationMode mode,
                                                               const Clock* clock = nullptr) {
  return storage::pg::Connection::open({url, Millis{10'000}, clock}, mode);
}

struct PgFixture {
  ManualClock clock{k_pg_now};
  std::string url = PgServer::shared().create_database();
  std::unique_ptr<storage::pg::Connection> conn = open(storage::MigrationMode::create);

  [[nodiscard]] std::unique_ptr<storage::pg::Connection> open(storage::MigrationMode mode) const {
    auto opened = open_pg(url, mode, &clock);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    return std::move(opened).value();
  }

  // Runs `sql` with text parameters and requires it to succeed.
  storage::pg::Rows must(const std::string& sql, std::initializer_list<storage::pg::Param> params = {}) const {
    const std::vector<storage::pg::Param> bound(params);
    auto rows = conn->exec(sql, bound);
    REQUIRE_MESSAGE(rows.ok(), (sql + ": " + (rows.ok() ? "" : rows.error().message)));
    return std::move(rows).value();
  }

  // Runs `sql` and returns the error; a statement that succeeds fails the test.
  Error refused(const std::string& sql, std::initializer_list<storage::pg::Param> params = {}) const {
    const std::vector<storage::pg::Param> bound(params);
    auto rows = conn->exec(sql, bound);
    REQUIRE_MESSAGE(!rows.ok(), (sql + " succeeded but should have been refused"));
    return std::move(rows).error();
  }

  // A NEW order (or one in `state`), inserted directly; its id.
  std::string insert_order(const std::string& out_recharge_no, const std::string& state = "NEW") const {
    return must("INSERT INTO orders (out_recharge_no, sub_mchid, recharge_scene, account_type, amount, currency, "
                "state, created_at, updated_at, close_after) VALUES ($1, '1900000109', 'DEPOSIT', 'BASIC', 100, "
                "'CNY', $2, $3, $3, $3) RETURNING id",
                {out_recharge_no, state, format_utc(k_pg_now)})
        .text(0, 0);
  }
};

} // namespace recharged::test
