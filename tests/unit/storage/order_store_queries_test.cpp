#include "storage/order_sql.hpp"
#include "tests/unit/storage/store_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

namespace {

// Inserts an order scheduled at `next_poll` (or unscheduled), created at `created`.
std::int64_t scheduled(StoreFixture& f, const std::string& no, std::optional<TimePoint> next_poll,
                       TimePoint created = k_t0, const std::string& sub_mchid = "1900000109") {
  auto order = sample_order(no, sub_mchid);
  order.next_poll_at = next_poll;
  auto inserted = f.store.insert_new(order, created);
  REQUIRE(inserted.ok());
  return inserted->order.id;
}

std::vector<std::string> numbers(const std::vector<orders::Order>& orders) {
  std::vector<std::string> out;
  for (const auto& o : orders) out.push_back(o.out_recharge_no);
  return out;
}

std::string query_plan(const SQLite::Database& conn, std::string_view sql) {
  SQLite::Statement explain(conn, "EXPLAIN QUERY PLAN " + std::string(sql));
  std::string plan;
  while (explain.executeStep()) plan += explain.getColumn(3).getString() + "\n";
  return plan;
}

// Tells the planner the orders table holds a million rows, 2% of them open and scheduled, as if ANALYZE had
// run on a production database (SQLite reads these statistics instead of counting).
void pretend_a_million_orders(SQLite::Database& conn) {
  conn.exec("ANALYZE");
  conn.exec("DELETE FROM sqlite_stat1 WHERE tbl = 'orders'");
  conn.exec("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES "
            "('orders', NULL, '1000000'), "
            "('orders', 'sqlite_autoindex_orders_1', '1000000 1'), "
            "('orders', 'orders_next_poll', '20000 2'), "
            "('orders', 'orders_sub_mchid', '1000000 1000 1'), "
            "('orders', 'orders_created', '1000000 1'), "
            "('orders', 'orders_state', '1000000 142857 1')");
}

} // namespace

STORE_CONTRACT("due returns the open orders whose poll time has come, most overdue first, up to the limit") {
  StoreFixture f{Backend_::backend};
  scheduled(f, "LATE3", k_t0 + 3min);
  scheduled(f, "LATE1", k_t0 + 1min);
  scheduled(f, "FUTURE", k_t0 + 1h);
  scheduled(f, "LATE2", k_t0 + 2min);
  scheduled(f, "NOW", k_t0 + 10min);
  scheduled(f, "NEVER", std::nullopt);
  const auto now = k_t0 + 10min;
  CHECK(numbers(f.store.due(now, 100).value()) == std::vector<std::string>{"LATE1", "LATE2", "LATE3", "NOW"});
  CHECK(numbers(f.store.due(now, 2).value()) == std::vector<std::string>{"LATE1", "LATE2"});
  CHECK(f.store.due(now, 0).value().empty());
  CHECK(f.store.due(k_t0, 100).value().empty());
}

STORE_CONTRACT("due breaks ties on the poll time by order id") {
  StoreFixture f{Backend_::backend};
  scheduled(f, "TIE1", k_t0 + 1min);
  scheduled(f, "TIE2", k_t0 + 1min);
  scheduled(f, "TIE3", k_t0 + 1min);
  CHECK(numbers(f.store.due(k_t0 + 1min, 10).value()) == std::vector<std::string>{"TIE1", "TIE2", "TIE3"});
}

STORE_CONTRACT("due never returns finished or SUSPECT orders") {
  StoreFixture f{Backend_::backend};
  for (const auto state : k_all_states) {
    const auto id = scheduled(f, "S" + std::string(orders::to_string(state)), k_t0 + 1min);
    f.reach(id, state);
  }
  const auto due = f.store.due(k_t0 + 1h, 100).value();
  CHECK(numbers(due) == std::vector<std::string>{"SNEW", "SRECHARGING", "SCLOSING"});
  for (const auto& o : due) CHECK(orders::is_open(o.state));
}

TEST_CASE("due and the next due time are index range scans, even with a million orders") {
  StoreFixture f;
  for (int i = 0; i < 50; ++i) scheduled(f, "IDX" + std::to_string(i), k_t0 + std::chrono::seconds{i});
  for (const bool with_statistics : {false, true}) {
    CAPTURE(with_statistics);
    auto conn = f.raw();
    if (with_statistics) {
      pretend_a_million_orders(conn);
      conn = f.raw(); // a new connection loads the statistics
      CHECK(scalar(conn, "SELECT stat FROM sqlite_stat1 WHERE tbl = 'orders' AND idx IS NULL") == "1000000");
    }
    const auto due_plan = query_plan(conn, sql_text(Sql::due));
    CAPTURE(due_plan);
    CHECK(due_plan.find("SEARCH orders USING INDEX orders_next_poll (next_poll_at") != std::string::npos);
    CHECK(due_plan.find("SCAN") == std::string::npos);
    CHECK(due_plan.find("TEMP B-TREE") == std::string::npos); // the index already gives the order
    const auto next_plan = query_plan(conn, sql_text(Sql::next_due_at));
    CAPTURE(next_plan);
    CHECK(next_plan.find("orders_next_poll") != std::string::npos);
    CHECK(next_plan.find("SCAN orders\n") == std::string::npos);
    const auto count_plan = query_plan(conn, sql_text(Sql::count_due));
    CHECK(count_plan.find("orders_next_poll") != std::string::npos);
  }
  CHECK(f.store.due(k_t0 + 9s, 1000).value().size() == 10); // the store still answers correctly
}

TEST_CASE("lookups by order number, by sub-merchant and by creation time use their indexes") {
  StoreFixture f;
  auto conn = f.raw();
  pretend_a_million_orders(conn);
  conn = f.raw();
  CHECK(query_plan(conn, sql_text(Sql::find_by_out_recharge_no)).find("USING INDEX sqlite_autoindex_orders_1") !=
        std::string::npos);
  CHECK(query_plan(conn, "SELECT id FROM orders WHERE sub_mchid = '1' ORDER BY created_at DESC LIMIT 100")
            .find("USING COVERING INDEX orders_sub_mchid") != std::string::npos);
  const auto newest = query_plan(conn, "SELECT * FROM orders ORDER BY created_at DESC, id DESC LIMIT 100");
  CHECK(newest.find("SCAN orders USING INDEX orders_created") != std::string::npos);
  CHECK(newest.find("TEMP B-TREE") == std::string::npos);
  CHECK(query_plan(conn, sql_text(Sql::events_of_order)).find("USING INDEX order_events_order") !=
        std::string::npos);
  CHECK(query_plan(conn, sql_text(Sql::oldest_open_created_at)).find("orders_state") != std::string::npos);
}

STORE_CONTRACT("unscheduled_open returns open orders without a next poll, oldest first") {
  StoreFixture f{Backend_::backend};
  const auto young = scheduled(f, "YOUNG", std::nullopt, k_t0 + 2h);
  scheduled(f, "OLD", std::nullopt, k_t0);
  scheduled(f, "PLANNED", k_t0 + 1min, k_t0 + 1h);
  const auto done = scheduled(f, "DONE", std::nullopt, k_t0 + 30min);
  f.reach(done, OrderState::success);
  const auto held = scheduled(f, "HELD", std::nullopt, k_t0 + 40min);
  f.reach(held, OrderState::suspect);
  f.reach(young, OrderState::recharging);
  CHECK(numbers(f.store.unscheduled_open(10).value()) == std::vector<std::string>{"OLD", "YOUNG"});
  CHECK(numbers(f.store.unscheduled_open(1).value()) == std::vector<std::string>{"OLD"});
  CHECK(f.store.unscheduled_open(0).value().empty());
}

STORE_CONTRACT("list filters by state, sub-merchant and creation time, newest first, up to the limit") {
  StoreFixture f{Backend_::backend};
  scheduled(f, "A1", std::nullopt, k_t0, "1900000001");
  const auto a2 = scheduled(f, "A2", std::nullopt, k_t0 + 1h, "1900000001");
  scheduled(f, "B1", std::nullopt, k_t0 + 2h, "1900000002");
  const auto b2 = scheduled(f, "B2", std::nullopt, k_t0 + 3h, "1900000002");
  f.reach(a2, OrderState::success);
  f.reach(b2, OrderState::suspect);

  CHECK(numbers(f.store.list({}).value().orders) == std::vector<std::string>{"B2", "B1", "A2", "A1"});
  ListFilter by_state;
  by_state.states = {OrderState::success, OrderState::suspect};
  CHECK(numbers(f.store.list(by_state).value().orders) == std::vector<std::string>{"B2", "A2"});
  ListFilter by_merchant;
  by_merchant.sub_mchid = "1900000001";
  CHECK(numbers(f.store.list(by_merchant).value().orders) == std::vector<std::string>{"A2", "A1"});
  ListFilter window;
  window.created_since = k_t0 + 1h; // inclusive
  window.created_until = k_t0 + 3h; // exclusive
  CHECK(numbers(f.store.list(window).value().orders) == std::vector<std::string>{"B1", "A2"});
  ListFilter combined = window;
  combined.states = {OrderState::new_order};
  combined.sub_mchid = "1900000002";
  CHECK(numbers(f.store.list(combined).value().orders) == std::vector<std::string>{"B1"});
  ListFilter limited;
  limited.limit = 3;
  CHECK(numbers(f.store.list(limited).value().orders) == std::vector<std::string>{"B2", "B1", "A2"});
  CHECK(f.store.list(limited).value().next.has_value());
  limited.limit = 0;
  CHECK(f.store.list(limited).value().orders.empty());
  ListFilter nobody;
  nobody.sub_mchid = "1900000003";
  CHECK(f.store.list(nobody).value().orders.empty());
}

STORE_CONTRACT("list pages through every order exactly once with the cursor, also across equal creation times") {
  StoreFixture f{Backend_::backend};
  for (int i = 0; i < 7; ++i) scheduled(f, "P" + std::to_string(i), std::nullopt, k_t0 + (i / 3) * 1h);
  std::vector<std::string> seen;
  ListFilter page;
  page.limit = 2;
  for (int pages = 0; pages < 10; ++pages) {
    const auto got = f.store.list(page).value();
    for (const auto& n : numbers(got.orders)) seen.push_back(n);
    if (!got.next) break;
    const auto text = format_cursor(*got.next);
    page.after = parse_cursor(text, "--after").value();
  }
  CHECK(seen == std::vector<std::string>{"P6", "P5", "P4", "P3", "P2", "P1", "P0"});
  for (const char* bad : {"", "2026-11-23T02:00:00Z", "2026-11-23T02:00:00Z~", "x~1", "2026-11-23T02:00:00Z~1a"}) {
    auto parsed = parse_cursor(bad, "--after");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().field == "--after");
  }
}

STORE_CONTRACT("counts reports every state, the due orders, the oldest open order and the next due time") {
  StoreFixture f{Backend_::backend};
  auto empty = f.store.counts(k_t0).value();
  CHECK(empty.by_state.size() == 7);
  for (const auto& [state, n] : empty.by_state) CHECK(n == 0);
  CHECK(empty.due == 0);
  CHECK_FALSE(empty.oldest_open_created_at.has_value());
  CHECK_FALSE(empty.next_due_at.has_value());

  const auto finished = scheduled(f, "C0", std::nullopt, k_t0 - 1h); // oldest, but finished
  f.reach(finished, OrderState::closed);
  scheduled(f, "C1", k_t0 + 5min, k_t0);
  scheduled(f, "C2", k_t0 + 1min, k_t0 + 1min);
  const auto c3 = scheduled(f, "C3", k_t0 + 30min, k_t0 + 2min);
  f.reach(c3, OrderState::recharging);
  const auto c4 = scheduled(f, "C4", k_t0 + 1min, k_t0 + 3min);
  f.reach(c4, OrderState::suspect);

  const auto c = f.store.counts(k_t0 + 10min).value();
  CHECK(c.by_state.at(OrderState::new_order) == 2);
  CHECK(c.by_state.at(OrderState::recharging) == 1);
  CHECK(c.by_state.at(OrderState::closed) == 1);
  CHECK(c.by_state.at(OrderState::suspect) == 1);
  CHECK(c.by_state.at(OrderState::success) == 0);
  CHECK(c.due == 2); // C1 and C2; C3 is later, C4 is held
  CHECK(c.oldest_open_created_at == k_t0);
  CHECK(c.next_due_at == k_t0 + 1min);
}

STORE_CONTRACT("events, notifications and fund returns read back in the order they were written") {
  StoreFixture f{Backend_::backend};
  const auto id = f.insert("ORDERED").id;
  f.reach(id, OrderState::success);
  for (int i = 0; i < 3; ++i) {
    OrderUpdate u;
    u.order_id = id;
    u.updated_at = k_t0 + std::chrono::hours{i + 1};
    orders::OrderEvent e;
    e.at = k_t0 - std::chrono::hours{i}; // event times need not be monotonic: insertion order wins
    e.kind = orders::EventKind::alert;
    e.message = "alert " + std::to_string(i);
    u.events.push_back(e);
    u.fund_return = FundReturnRecord{"RET" + std::to_string(i), "", {}, "", {}, "", "", "", "", k_t0};
    REQUIRE(f.store.commit_one(u).value());
    NotificationRecord n;
    n.id = "N" + std::to_string(i);
    n.event_type = "RECHARGE.FUND_RETURNED";
    n.out_recharge_no = "ORDERED";
    n.received_at = k_t0 + std::chrono::minutes{i};
    n.outcome = orders::NotificationOutcome::applied;
    REQUIRE(f.store.record_notification(n, std::nullopt).ok());
  }
  const auto events = f.store.events(id).value();
  REQUIRE(events.size() == 6);
  CHECK(events[0].kind == orders::EventKind::created);
  CHECK(events[3].message == "alert 0");
  CHECK(events[5].message == "alert 2");
  for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i].id > events[i - 1].id);
  const auto returns = f.store.fund_returns(id).value();
  REQUIRE(returns.size() == 3);
  CHECK(returns[2].recharge_returned_id == "RET2");
  const auto notes = f.store.notifications("ORDERED").value();
  REQUIRE(notes.size() == 3);
  CHECK(notes[0].id == "N0");
  CHECK(notes[2].id == "N2");
  CHECK_FALSE(f.store.find("NOSUCH").value().has_value());
  CHECK_FALSE(f.store.find_by_id(id + 1000).value().has_value());
  CHECK(f.store.events(id + 1000).value().empty());
}

TEST_CASE("a value the store cannot read back is reported as corrupt, not guessed") {
  StoreFixture f;
  const auto id = f.insert("BADTIME").id;
  f.raw().exec("UPDATE orders SET last_poll_at = 'yesterday' WHERE id = " + std::to_string(id));
  const auto found = f.store.find("BADTIME");
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().kind == ErrorKind::storage);
  CHECK(found.error().code == "corrupt");
  CHECK(found.error().message.find("orders.last_poll_at") != std::string::npos);
  CHECK(found.error().message.find("yesterday") != std::string::npos);
}

namespace {

// The root pages of the b-trees the program of `sql` opens for writing, and whether it runs a trigger.
struct WritePlan {
  std::set<int> written_roots;
  bool runs_triggers = false;
};

WritePlan write_plan(const SQLite::Database& conn, std::string_view sql) {
  SQLite::Statement explain(conn, "EXPLAIN " + std::string(sql));
  WritePlan plan;
  while (explain.executeStep()) {
    const std::string opcode = explain.getColumn(1).getString();
    if (opcode == "OpenWrite") plan.written_roots.insert(explain.getColumn(3).getInt());
    if (opcode == "Program") plan.runs_triggers = true;
  }
  return plan;
}

} // namespace

TEST_CASE("an update that sets no state leaves the state index and the lifecycle triggers alone") {
  StoreFixture f;
  auto conn = f.raw();
  const int state_index = std::stoi(scalar(conn, "SELECT rootpage FROM sqlite_master WHERE name = 'orders_state'"));
  const int next_poll_index =
      std::stoi(scalar(conn, "SELECT rootpage FROM sqlite_master WHERE name = 'orders_next_poll'"));

  const WritePlan moving = write_plan(conn, sql_text(Sql::update_order));
  CHECK(moving.written_roots.contains(state_index));
  CHECK(moving.runs_triggers);

  // A poll that learns nothing new writes the row and its next-poll entry, nothing more.
  const WritePlan keeping = write_plan(conn, sql_text(Sql::update_order_keep_state));
  CHECK_FALSE(keeping.written_roots.contains(state_index));
  CHECK(keeping.written_roots.contains(next_poll_index));
  CHECK_FALSE(keeping.runs_triggers);
}
