// The PostgreSQL schema's own guarantees (migrations/postgresql): each guard trigger refuses its illegal write
// with code "constraint" and the SQLite trigger's message, and lets the legal one through.
#include "orders/lifecycle.hpp"
#include "orders/order.hpp"
#include "tests/unit/storage/pg_fixture.hpp"

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;

namespace {

void check_guard(const Error& e, const std::string& message) {
  CHECK(e.kind == ErrorKind::storage);
  CHECK(e.code == "constraint");
  CHECK_MESSAGE(e.message.find(message) != std::string::npos, e.message);
  CHECK(e.message.find("SQLSTATE P0001") != std::string::npos);
}

// One row in every append-only table, hanging off order `id`.
void fill_children(const PgFixture& f, const std::string& id) {
  f.must("INSERT INTO order_events (order_id, at, source, kind) VALUES ($1, now(), 'apply', 'created')", {id});
  f.must("INSERT INTO notifications (id, event_type, order_id, received_at, create_time, outcome) "
         "VALUES ('N1', 'RECHARGE.SUCCESS', $1, now(), now(), 'applied')",
         {id});
  f.must("INSERT INTO fund_returns (order_id, recharge_returned_id, received_at) VALUES ($1, 'R1', now())", {id});
  f.must("INSERT INTO feed_events (order_id, type, at, data) VALUES ($1, 'order.succeeded', now(), '{}')", {id});
  const std::string delivery =
      f.must("INSERT INTO webhook_deliveries (endpoint, feed_event_id, order_id, state, next_attempt_at, created_at) "
             "SELECT 'e', id, order_id, 'pending', now(), now() FROM feed_events RETURNING id")
          .text(0, 0);
  f.must("INSERT INTO webhook_attempts (delivery_id, at) VALUES ($1, now())", {delivery});
}

} // namespace

TEST_CASE("PostgreSQL allows exactly the state changes of orders::transition_allowed") {
  PgFixture f;
  int checked = 0;
  for (const auto from : orders::k_order_states) {
    for (const auto to : orders::k_order_states) {
      const std::string from_text(orders::to_string(from));
      const std::string to_text(orders::to_string(to));
      CAPTURE(from_text);
      CAPTURE(to_text);
      const std::string id = f.insert_order("G" + std::to_string(checked++), from_text);
      const auto result = f.conn->exec("UPDATE orders SET state = $1 WHERE id = $2",
                                        std::vector<storage::pg::Param>{to_text, id});
      if (from == to || orders::transition_allowed(from, to)) {
        CHECK_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
      } else {
        REQUIRE_FALSE(result.ok());
        check_guard(result.error(), orders::is_terminal(from)
                                        ? "orders: a SUCCESS, CLOSED or REJECTED order never changes state"
                                        : "orders: this state change is not allowed by the order lifecycle");
      }
    }
  }
  CHECK(checked == 49);
}

TEST_CASE("an order's request fields never change, its other columns do") {
  PgFixture f;
  const std::string id = f.insert_order("REQ");
  for (const char* change : {"out_recharge_no = 'OTHER'", "sub_mchid = '2'", "recharge_scene = 'x'",
                             "account_type = 'x'", "amount = 101", "currency = 'USD'"}) {
    CAPTURE(change);
    check_guard(f.refused(std::string("UPDATE orders SET ") + change + " WHERE id = $1", {id}),
                "orders: the request fields of an order never change");
  }
  // Setting a request field to its own value, and every other column, is allowed.
  CHECK(f.must("UPDATE orders SET amount = 100, currency = 'CNY', poll_count = 3, last_error = 'x', "
               "visit_owner = 'node-a', visit_lease_until = $2, apply_lease_owner = 'p', apply_lease_until = now() "
               "WHERE id = $1",
               {id, std::string("2026-11-23T02:01:00.000Z")})
            .affected() == 1);
  const auto row = f.must("SELECT amount, visit_owner, visit_lease_until FROM orders WHERE id = $1", {id});
  CHECK(row.integer(0, 0) == 100);
  CHECK(row.text(0, 1) == "node-a");
  CHECK(row.text(0, 2) == "2026-11-23T02:01:00.000Z");
}

TEST_CASE("orders are never deleted nor truncated") {
  PgFixture f;
  const std::string id = f.insert_order("KEEP");
  check_guard(f.refused("DELETE FROM orders WHERE id = $1", {id}), "orders: orders are never deleted");
  check_guard(f.refused("TRUNCATE orders CASCADE"), "orders: orders are never deleted");
  CHECK(f.must("SELECT count(*) FROM orders").integer(0, 0) == 1);
}

TEST_CASE("order_events, notifications, fund_returns, feed_events and webhook_attempts are append-only") {
  PgFixture f;
  const std::string id = f.insert_order("APPEND");
  fill_children(f, id);
  struct Table {
    const char* name;
    const char* column; // a column to update
  };
  for (const Table t : {Table{"order_events", "message = 'x'"}, Table{"notifications", "summary = 'x'"},
                        Table{"fund_returns", "bank_name = 'x'"}, Table{"feed_events", "data = 'x'"},
                        Table{"webhook_attempts", "error = 'x'"}}) {
    CAPTURE(t.name);
    const std::string message = std::string(t.name) + " is append-only";
    CHECK(f.must(std::string("SELECT count(*) FROM ") + t.name).integer(0, 0) == 1); // the insert was allowed
    check_guard(f.refused(std::string("UPDATE ") + t.name + " SET " + t.column), message);
    check_guard(f.refused(std::string("DELETE FROM ") + t.name), message);
    check_guard(f.refused(std::string("TRUNCATE ") + t.name + " CASCADE"), message);
    CHECK(f.must(std::string("SELECT count(*) FROM ") + t.name).integer(0, 0) == 1);
  }
  // The delivery itself is mutable: that is how it records progress.
  CHECK(f.must("UPDATE webhook_deliveries SET state = 'delivered', next_attempt_at = NULL, delivered_at = now()")
            .affected() == 1);
}

TEST_CASE("an idempotency key never changes") {
  PgFixture f;
  f.must("INSERT INTO api_idempotency_keys (key, request_hash, out_recharge_no, created_at) VALUES ('k', 'h', 'o', now())");
  check_guard(f.refused("UPDATE api_idempotency_keys SET request_hash = 'other'"), "api_idempotency_keys never change");
}

TEST_CASE("the schema's CHECK and foreign key constraints refuse bad rows with code constraint") {
  PgFixture f;
  const std::string id = f.insert_order("CHK", "SUCCESS");
  for (const char* sql : {
           "UPDATE orders SET next_poll_at = now() WHERE out_recharge_no = 'CHK'", // a finished order is never scheduled
           "INSERT INTO order_events (order_id, at, source, kind) VALUES (999999, now(), 'apply', 'created')",
           "INSERT INTO fund_returns (order_id, recharge_returned_id, received_at) VALUES (1, '', now())",
           "INSERT INTO nodes (id, started_at) VALUES ('n', now())",
       }) {
    CAPTURE(sql);
    const Error e = f.refused(sql);
    CHECK(e.code == "constraint");
    CHECK(e.message.find("SQLSTATE 23") != std::string::npos);
  }
  static_cast<void>(id);
}
