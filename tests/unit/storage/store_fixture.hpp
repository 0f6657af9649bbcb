#pragma once

// Shared helpers for the storage tests: a fresh database file per test, sample orders, and the walk of an
// order through the lifecycle. Header-only because tests/unit/<module> compiles only *_test.cpp files.

#include "orders/lifecycle.hpp"
#include "storage/pg_connection.hpp"
#include "storage/pg_order_store.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace recharged::test {

using orders::OrderState;

inline TimePoint utc(const char* text) { return parse_rfc3339(text).value(); }

inline const TimePoint k_t0 = utc("2026-11-23T01:00:00.000Z");

inline constexpr std::array k_all_states{OrderState::new_order, OrderState::recharging, OrderState::closing,
                                         OrderState::success,   OrderState::closed,     OrderState::rejected,
                                         OrderState::suspect};

inline orders::Order sample_order(const std::string& out_recharge_no, const std::string& sub_mchid = "1900000109",
                                  Fen amount = 100'000) {
  orders::Order o;
  o.out_recharge_no = out_recharge_no;
  o.sub_mchid = sub_mchid;
  o.recharge_scene = "ECOMMERCE_DEPOSIT";
  o.account_type = "DEPOSIT";
  o.amount = amount;
  o.currency = "CNY";
  o.notify_url = "https://merchant.example.com/recharged/notify";
  o.channels = {"BANK_TRANSFER", "QR_RECHARGE"};
  o.remark = "deposit";
  o.close_after = k_t0 + std::chrono::days{6};
  return o;
}

inline std::unique_ptr<storage::Database> open_database(const std::filesystem::path& path,
                                                        Millis busy_timeout = Millis{5'000}) {
  auto db = storage::Database::open({path, busy_timeout, false}, storage::MigrationMode::create);
  REQUIRE_MESSAGE(db.ok(), (db.ok() ? "" : db.error().message));
  return std::move(*db);
}

// One state_changed event with its HTTP outcome, as the engine would write it.
inline orders::OrderEvent state_event(OrderState from, OrderState to, TimePoint at,
                                      orders::EventSource source = orders::EventSource::poll) {
  orders::OrderEvent e;
  e.at = at;
  e.source = source;
  e.kind = orders::EventKind::state_changed;
  e.old_state = from;
  e.new_state = to;
  e.endpoint = "query";
  e.http_status = 200;
  e.request_id = "08F4A8C2060010A6";
  e.message = "the platform reports " + std::string(orders::to_string(to));
  e.evidence = R"({"recharge_state":")" + std::string(orders::to_string(to)) + R"("})";
  e.latency_ms = 42;
  return e;
}

inline storage::OrderUpdate transition(std::int64_t id, OrderState from, OrderState to, TimePoint at) {
  storage::OrderUpdate u;
  u.order_id = id;
  u.expect_state = from;
  u.new_state = to;
  u.updated_at = at;
  u.events.push_back(state_event(from, to, at));
  return u;
}

// Whether each update of a commit held its guard.
inline std::vector<bool> held_flags(const storage::Committed& committed) {
  std::vector<bool> held;
  for (const auto& order : committed) held.push_back(order.has_value());
  return held;
}

// The shortest lifecycle path from NEW to `target`.
inline std::vector<OrderState> path_to(OrderState target) {
  switch (target) {
  case OrderState::new_order: return {};
  case OrderState::recharging: return {OrderState::recharging};
  case OrderState::closing: return {OrderState::recharging, OrderState::closing};
  case OrderState::success: return {OrderState::recharging, OrderState::success};
  case OrderState::closed: return {OrderState::recharging, OrderState::closed};
  case OrderState::rejected: return {OrderState::rejected};
  case OrderState::suspect: return {OrderState::suspect};
  }
  return {};
}

// The order store's backends. The contract tests (STORE_CONTRACT) run once on each: a fresh SQLite file, and
// a fresh database on the test process's own PostgreSQL server (tests/support/pg_server.hpp).
enum class Backend { sqlite, postgres };
struct OnSqlite {
  static constexpr Backend backend = Backend::sqlite;
};
struct OnPostgres {
  static constexpr Backend backend = Backend::postgres;
};
#define STORE_CONTRACT(name) TEST_CASE_TEMPLATE(name, Backend_, ::recharged::test::OnSqlite, ::recharged::test::OnPostgres)

inline std::unique_ptr<storage::pg::Connection> open_pg(const std::string& url) {
  auto conn = storage::pg::Connection::open({url}, storage::MigrationMode::create);
  REQUIRE_MESSAGE(conn.ok(), (conn.ok() ? "" : conn.error().message));
  return std::move(*conn);
}

// A fresh database of `backend`, with its store and a helper to walk orders around.
struct StoreFixture {
  explicit StoreFixture(Backend b = Backend::sqlite) : backend(b) {}

  Backend backend;
  TempDir dir;
  std::filesystem::path path = dir / "recharged.db";                                         // SQLite
  std::unique_ptr<storage::Database> db = backend == Backend::sqlite ? open_database(path) : nullptr;
  std::string pg_url = backend == Backend::postgres ? PgServer::shared().create_database() : ""; // PostgreSQL
  std::unique_ptr<storage::pg::Connection> pg = backend == Backend::postgres ? open_pg(pg_url) : nullptr;
  std::unique_ptr<storage::OrderStore> owned_store =
      db ? std::unique_ptr<storage::OrderStore>(std::make_unique<storage::SqliteOrderStore>(*db))
         : std::unique_ptr<storage::OrderStore>(std::make_unique<storage::PgOrderStore>(*pg));
  storage::OrderStore& store = *owned_store;

  orders::Order insert(const std::string& out_recharge_no, TimePoint now = k_t0,
                       const std::string& sub_mchid = "1900000109") {
    auto inserted = store.insert_new(sample_order(out_recharge_no, sub_mchid), now);
    REQUIRE_MESSAGE(inserted.ok(), (inserted.ok() ? "" : inserted.error().message));
    REQUIRE(inserted->created);
    return inserted->order;
  }

  // Walks order `id` from NEW to `target` through allowed transitions, one commit per step.
  void reach(std::int64_t id, OrderState target, TimePoint at = k_t0 + std::chrono::minutes{1}) {
    OrderState here = OrderState::new_order;
    for (const OrderState next : path_to(target)) {
      auto held = store.commit_one(transition(id, here, next, at));
      REQUIRE_MESSAGE(held.ok(), (held.ok() ? "" : held.error().message));
      REQUIRE(*held);
      here = next;
    }
  }

  orders::Order reload(std::int64_t id) {
    auto found = store.find_by_id(id);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    return **found;
  }

  std::size_t event_count(std::int64_t id) {
    auto events = store.events(id);
    REQUIRE(events.ok());
    return events->size();
  }

  // A second, independent connection for raw SQL (as an operator's sqlite3 would be). SQLite only.
  [[nodiscard]] SQLite::Database raw(int flags = SQLite::OPEN_READWRITE) const {
    REQUIRE(backend == Backend::sqlite);
    SQLite::Database conn(path, flags, 2'000);
    conn.exec("PRAGMA foreign_keys = ON");
    return conn;
  }

  // Raw SQL on a second connection of either backend (an operator's sqlite3 or psql).
  Status exec(const std::string& sql) {
    if (backend == Backend::postgres) {
      auto done = other_pg().exec(sql);
      if (!done) return done.error();
      return {};
    }
    try {
      raw().exec(sql);
      return {};
    } catch (const std::exception& e) {
      return Error::make(ErrorKind::storage, "refused", e.what());
    }
  }
  // The text of the single value `sql` returns, on a second connection.
  std::string scalar(const std::string& sql) {
    if (backend == Backend::postgres) {
      auto answer = other_pg().exec(sql);
      REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().message));
      REQUIRE(answer->size() == 1);
      return answer->text(0, 0);
    }
    SQLite::Database conn = raw();
    SQLite::Statement q(conn, sql);
    REQUIRE(q.executeStep());
    return q.getColumn(0).getString();
  }
  // Every row `sql` returns, each value as text, on a second connection.
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    if (backend == Backend::postgres) {
      auto answer = other_pg().exec(sql);
      REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().message));
      for (int r = 0; r < answer->size(); ++r) {
        out.emplace_back();
        for (int c = 0; c < answer->columns(); ++c) out.back().push_back(answer->text(r, c));
      }
      return out;
    }
    SQLite::Database conn = raw();
    SQLite::Statement q(conn, sql);
    while (q.executeStep()) {
      out.emplace_back();
      for (int c = 0; c < q.getColumnCount(); ++c) out.back().push_back(q.getColumn(c).getString());
    }
    return out;
  }
  storage::pg::Connection& other_pg() {
    if (!raw_pg) raw_pg = open_pg(pg_url);
    return *raw_pg;
  }
  std::unique_ptr<storage::pg::Connection> raw_pg;
};

// The text of the single value a query returns, via a fresh connection.
inline std::string scalar(const SQLite::Database& conn, const std::string& sql) {
  SQLite::Statement q(conn, sql);
  REQUIRE(q.executeStep());
  return q.getColumn(0).getString();
}

} // namespace recharged::test
