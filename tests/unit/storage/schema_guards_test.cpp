// The database's own guarantees: triggers and constraints hold against raw SQL from another connection,
// as an operator's stray UPDATE in sqlite3 (which leaves foreign keys off) would be.
#include "tests/unit/storage/store_fixture.hpp"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>
#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

namespace {

// Runs one statement on a fresh connection; returns SQLite's error message, or "" when it succeeded.
std::string try_sql(const StoreFixture& f, const std::string& sql) {
  auto conn = f.raw();
  conn.exec("PRAGMA foreign_keys = OFF"); // the sqlite3 shell's default
  try {
    conn.exec(sql);
    return "";
  } catch (const SQLite::Exception& e) {
    CHECK(e.getErrorCode() == SQLITE_CONSTRAINT);
    return e.what();
  }
}

} // namespace

TEST_CASE("the database itself allows exactly the transitions of the order lifecycle") {
  int checked = 0;
  for (const auto from : k_all_states) {
    StoreFixture f;
    for (const auto to : k_all_states) {
      if (to == from) continue;
      CAPTURE(orders::to_string(from));
      CAPTURE(orders::to_string(to));
      const std::string no = "G" + std::to_string(checked);
      const auto id = f.insert(no).id;
      f.reach(id, from);
      const std::string error = try_sql(f, "UPDATE orders SET state = '" + std::string(orders::to_string(to)) +
                                               "' WHERE id = " + std::to_string(id));
      CHECK(error.empty() == orders::transition_allowed(from, to));
      if (orders::is_terminal(from)) CHECK(error.find("never changes state") != std::string::npos);
      else if (!error.empty()) CHECK(error.find("not allowed by the order lifecycle") != std::string::npos);
      ++checked;
    }
  }
  CHECK(checked == 42);
}

TEST_CASE("a terminal order keeps its state even when SQL sets the same state or touches other columns") {
  StoreFixture f;
  const auto id = f.insert("TERMSQL").id;
  f.reach(id, OrderState::closed);
  CHECK(try_sql(f, "UPDATE orders SET state = 'CLOSED', last_error = 'noted' WHERE id = " + std::to_string(id)).empty());
  CHECK_FALSE(try_sql(f, "UPDATE orders SET state = 'SUCCESS' WHERE id = " + std::to_string(id)).empty());
  CHECK_FALSE(try_sql(f, "UPDATE orders SET state = NULL WHERE id = " + std::to_string(id)).empty());
  CHECK(f.reload(id).state == OrderState::closed);
  CHECK(f.reload(id).last_error == "noted");
}

TEST_CASE("order_events, notifications and fund_returns refuse UPDATE and DELETE") {
  StoreFixture f;
  const auto id = f.insert("APPEND").id;
  OrderUpdate u;
  u.order_id = id;
  u.updated_at = k_t0;
  u.fund_return = FundReturnRecord{"RET-A", "BANK_TRANSFER", 5, "CNY", {}, "", "", "", "", k_t0};
  REQUIRE(f.store.commit_one(u).value());
  NotificationRecord n;
  n.id = "EV-A";
  n.event_type = "RECHARGE.SUCCESS";
  n.out_recharge_no = "APPEND";
  n.outcome = orders::NotificationOutcome::applied;
  REQUIRE(f.store.record_notification(n, std::nullopt).ok());

  const std::vector<std::pair<std::string, std::string>> tables{
      {"order_events", "message"}, {"notifications", "outcome"}, {"fund_returns", "return_reason"}};
  for (const auto& [table, column] : tables) {
    CAPTURE(table);
    CHECK(try_sql(f, "UPDATE " + table + " SET " + column + " = 'rewritten'").find("append-only") !=
          std::string::npos);
    CHECK(try_sql(f, "DELETE FROM " + table).find("append-only") != std::string::npos);
  }
  CHECK(try_sql(f, "UPDATE order_events SET new_state = 'SUCCESS' WHERE order_id = " + std::to_string(id))
            .find("append-only") != std::string::npos);
  CHECK(f.event_count(id) == 1);
  CHECK(f.store.events(id).value()[0].message == "recorded before the apply call");
  CHECK(f.store.fund_returns(id).value().size() == 1);
  CHECK(f.store.notifications("APPEND").value().size() == 1);
}

TEST_CASE("orders are never deleted and their request fields never change") {
  StoreFixture f;
  const auto id = f.insert("IMMUTABLE").id;
  const std::string where = " WHERE id = " + std::to_string(id);
  CHECK(try_sql(f, "DELETE FROM orders" + where).find("never deleted") != std::string::npos);
  for (const char* set : {"amount = 1", "sub_mchid = '1900000999'", "out_recharge_no = 'OTHER'", "currency = 'USD'",
                          "account_type = 'OPERATION'", "recharge_scene = 'ECOMMERCE_PAYMENT'"}) {
    CAPTURE(set);
    CHECK(try_sql(f, std::string("UPDATE orders SET ") + set + where).find("never change") != std::string::npos);
  }
  CHECK(try_sql(f, "UPDATE orders SET amount = amount" + where).empty()); // same value: no change
  const auto o = f.reload(id);
  CHECK(o.amount == 100'000);
  CHECK(o.sub_mchid == "1900000109");
  CHECK(o.out_recharge_no == "IMMUTABLE");
}

TEST_CASE("the database refuses a schedule on a finished order and an unknown state") {
  StoreFixture f;
  const auto id = f.insert("SCHED").id;
  f.reach(id, OrderState::success);
  CHECK_FALSE(try_sql(f, "UPDATE orders SET next_poll_at = '2026-11-23T02:00:00.000Z' WHERE id = " +
                             std::to_string(id))
                  .empty());
  CHECK_FALSE(try_sql(f, "INSERT INTO orders (out_recharge_no, sub_mchid, recharge_scene, account_type, amount, "
                         "currency, state, created_at, updated_at, close_after) VALUES ('X', '1', 'S', 'D', 1, "
                         "'CNY', 'PAID', 'a', 'a', 'a')")
                  .empty());
  CHECK_FALSE(try_sql(f, "INSERT INTO orders (out_recharge_no, sub_mchid, recharge_scene, account_type, amount, "
                         "currency, state, created_at, updated_at, close_after) VALUES ('SCHED', '1', 'S', 'D', 1, "
                         "'CNY', 'NEW', 'a', 'a', 'a')")
                  .empty()); // out_recharge_no is UNIQUE
  CHECK_FALSE(f.reload(id).next_poll_at.has_value());
}

TEST_CASE("events of an order that does not exist are refused by the foreign key") {
  StoreFixture f;
  auto conn = f.raw(); // foreign_keys=ON, as the daemon's own connection has it
  CHECK_THROWS_AS(conn.exec("INSERT INTO order_events (order_id, at, source, kind) VALUES (424242, "
                            "'2026-11-23T01:00:00.000Z', 'poll', 'api_call')"),
                  SQLite::Exception);
}
