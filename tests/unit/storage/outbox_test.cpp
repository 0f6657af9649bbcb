// The transactional outbox: feed rows written with the state changes that cause them, and the webhook store that
// fans them out to endpoints and hands out deliveries in per-order feed order.
#include "tests/unit/storage/outbox_fixture.hpp"

#include <nlohmann/json.hpp>

namespace recharged::test {
namespace {

using namespace std::chrono_literals;
using storage::OrderUpdate;

struct FeedRow {
  std::int64_t id;
  std::int64_t order_id;
  std::string type;
  std::string at;
  nlohmann::json data;
};

std::vector<FeedRow> feed(StoreFixture& f) {
  std::vector<FeedRow> rows;
  for (const auto& r : f.rows("SELECT id, order_id, type, at, data FROM feed_events ORDER BY id"))
    rows.push_back({std::stoll(r[0]), std::stoll(r[1]), r[2], r[3], nlohmann::json::parse(r[4])});
  return rows;
}

std::vector<std::string> types_of(const std::vector<FeedRow>& rows) {
  std::vector<std::string> t;
  for (const auto& r : rows) t.push_back(r.type);
  return t;
}

} // namespace

STORE_CONTRACT("every announced state change writes one feed row holding the order as it was stored") {
  StoreFixture f{Backend_::backend};
  const auto order = f.insert("FEED1");
  CHECK(feed(f).empty()); // NEW is not news
  // NEW → RECHARGING → SUCCESS in one batch: two rows, each with the order as that step left it.
  std::vector<OrderUpdate> batch{transition(order.id, OrderState::new_order, OrderState::recharging, k_t0 + 1s),
                                 transition(order.id, OrderState::recharging, OrderState::success, k_t0 + 2s)};
  batch[0].recharge_url = "https://pay.weixin.qq.com/recharge?id=1";
  batch[1].success_time = k_t0 + 2s;
  REQUIRE(f.store.commit(batch).ok());
  const auto rows = feed(f);
  REQUIRE(rows.size() == 2);
  CHECK(types_of(rows) == std::vector<std::string>{"order.recharging", "order.succeeded"});
  CHECK(rows[0].order_id == order.id);
  CHECK(rows[0].at == format_utc(k_t0 + 1s));
  CHECK(rows[0].data["order"]["state"] == "RECHARGING");
  CHECK(rows[0].data["order"]["recharge_url"] == "https://pay.weixin.qq.com/recharge?id=1");
  CHECK(rows[1].data["order"]["state"] == "SUCCESS");
  CHECK(rows[1].data["order"]["amount_fen"] == 100'000);
  CHECK(rows[1].data["order"]["out_recharge_no"] == "FEED1");
}

STORE_CONTRACT("CLOSING announces nothing, a failed guard writes no row, and a repeated fund return is no news") {
  StoreFixture f{Backend_::backend};
  const auto order = f.insert("FEED2");
  f.reach(order.id, OrderState::closing);
  CHECK(types_of(feed(f)) == std::vector<std::string>{"order.recharging"});

  // The guard expects RECHARGING but the order is CLOSING: nothing at all is written.
  CHECK_FALSE(f.store.commit_one(transition(order.id, OrderState::recharging, OrderState::success, k_t0 + 5s)).value());
  CHECK(feed(f).size() == 1);

  OrderUpdate closed = transition(order.id, OrderState::closing, OrderState::closed, k_t0 + 6s);
  REQUIRE(f.store.commit_one(closed).value());
  OrderUpdate returned;
  returned.order_id = order.id;
  returned.updated_at = k_t0 + 7s;
  returned.fund_return = storage::FundReturnRecord{"RET1", "BANK_TRANSFER", 100, "CNY", {}, "名称不符", "", "", "", k_t0};
  REQUIRE(f.store.commit_one(returned).value());
  REQUIRE(f.store.commit_one(returned).value()); // the same recharge_returned_id again
  const auto rows = feed(f);
  CHECK(types_of(rows) == std::vector<std::string>{"order.recharging", "order.closed", "order.fund_returned"});
  CHECK(rows[2].data["fund_return"]["recharge_returned_id"] == "RET1");
  CHECK(rows[2].data["fund_return"]["amount_fen"] == 100);
  CHECK(rows[2].data["order"]["state"] == "CLOSED");
}

STORE_CONTRACT("a change whose transaction fails leaves no feed row, and the feed cannot be edited") {
  StoreFixture f{Backend_::backend};
  const auto order = f.insert("FEED3");
  OrderUpdate good = transition(order.id, OrderState::new_order, OrderState::recharging, k_t0 + 1s);
  OrderUpdate broken;
  broken.order_id = order.id;
  broken.updated_at = k_t0 + 2s;
  broken.fund_return = storage::FundReturnRecord{}; // violates a CHECK constraint: the whole batch rolls back
  CHECK_FALSE(f.store.commit(std::vector<OrderUpdate>{good, broken}).ok());
  CHECK(feed(f).empty());
  CHECK(f.reload(order.id).state == OrderState::new_order);

  f.reach(order.id, OrderState::recharging);
  CHECK_FALSE(f.exec("UPDATE feed_events SET type = 'order.succeeded'"));
  CHECK_FALSE(f.exec("DELETE FROM feed_events"));
}

STORE_CONTRACT("an endpoint starts at the end of the feed and gets only the types it asked for") {
  StoreFixture f{Backend_::backend};
  OutboxStores stores(f);
  storage::WebhookStore& hooks = *stores.hooks;
  const auto early = f.insert("HOOK0");
  f.reach(early.id, OrderState::recharging); // before the endpoint existed
  const storage::WebhookEndpoint all{"all", {}};
  const storage::WebhookEndpoint paid{"paid", {"order.succeeded"}};
  CHECK(hooks.fan_out({all, paid}, k_t0 + 1min, 100).value() == 0);

  const auto order = f.insert("HOOK1");
  f.reach(order.id, OrderState::success);
  CHECK(hooks.fan_out({all, paid}, k_t0 + 2min, 100).value() == 3); // all: recharging + succeeded; paid: succeeded
  CHECK(hooks.fan_out({all, paid}, k_t0 + 2min, 100).value() == 0); // the cursors moved
  const auto to_all = hooks.due("all", k_t0 + 2min, 10).value();
  REQUIRE(to_all.size() == 1); // its order.succeeded waits behind the same order's order.recharging
  CHECK(to_all[0].type == "order.recharging");
  const auto to_paid = hooks.due("paid", k_t0 + 2min, 10).value();
  REQUIRE(to_paid.size() == 1);
  CHECK(to_paid[0].type == "order.succeeded");
}

STORE_CONTRACT("deliveries of one order go out in feed order, retry on schedule, and give up as failed") {
  StoreFixture f{Backend_::backend};
  OutboxStores stores(f);
  storage::WebhookStore& hooks = *stores.hooks;
  const storage::WebhookEndpoint e{"backoffice", {}};
  REQUIRE(hooks.fan_out({e}, k_t0, 100).ok()); // the cursor starts here
  const auto order = f.insert("HOOK2");
  f.reach(order.id, OrderState::success);
  REQUIRE(hooks.fan_out({e}, k_t0 + 1min, 100).value() == 2);

  auto due = hooks.due("backoffice", k_t0 + 1min, 10).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].type == "order.recharging");
  // It fails: retried in 5 s, and the later message of the order still waits behind it.
  REQUIRE(hooks.record_attempt(due[0].id, failed_at(k_t0 + 1min, k_t0 + 1min + 5s)).ok());
  CHECK(hooks.due("backoffice", k_t0 + 1min + 1s, 10).value().empty());
  due = hooks.due("backoffice", k_t0 + 1min + 5s, 10).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].attempts == 1);
  REQUIRE(hooks.record_attempt(due[0].id, delivered_at(k_t0 + 1min + 6s)).ok());
  due = hooks.due("backoffice", k_t0 + 1min + 6s, 10).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].type == "order.succeeded");
  CHECK(nlohmann::json::parse(due[0].data)["order"]["state"] == "SUCCESS");
  // Given up: failed, no next attempt; then replayed by hand.
  REQUIRE(hooks.record_attempt(due[0].id, failed_at(k_t0 + 2min, std::nullopt)).ok());
  CHECK(hooks.due("backoffice", k_t0 + 1h, 10).value().empty());
  const auto summary = hooks.summaries().value();
  REQUIRE(summary.size() == 1);
  CHECK(summary[0].delivered == 1);
  CHECK(summary[0].failed == 1);
  CHECK(summary[0].pending == 0);
  const auto backlog = hooks.backlog().value(); // what /metrics reads: the same, without the delivered count
  REQUIRE(backlog.size() == 1);
  CHECK(backlog[0].failed == 1);
  CHECK(backlog[0].pending == 0);
  CHECK_FALSE(backlog[0].oldest_pending_created_at.has_value());
  CHECK(hooks.replay_delivery(due[0].id, k_t0 + 2h).value() == 1);
  CHECK(hooks.due("backoffice", k_t0 + 2h, 10).value().size() == 1);
  CHECK(hooks.attempts(due[0].id).value().size() == 1);
}

TEST_CASE("the backlog /metrics reads on every scrape is answered from the pending and failed indexes only") {
  StoreFixture f;
  SQLite::Statement plan(f.db->native(), "EXPLAIN QUERY PLAN " + std::string(storage::SqliteWebhookStore::backlog_sql()));
  std::vector<std::string> steps;
  while (plan.executeStep()) steps.push_back(plan.getColumn(3).getString());
  std::size_t pending = 0, failed = 0;
  for (const auto& s : steps) {
    CAPTURE(s);
    CHECK_FALSE(s.starts_with("SCAN d")); // never a scan of the deliveries
    // ... nor a search of the unique (endpoint, feed_event_id) index, which spans the whole history
    CHECK(s.find("sqlite_autoindex_webhook_deliveries") == std::string::npos);
    pending += s.find("USING INDEX webhook_deliveries_due") != std::string::npos ||
               s.find("USING COVERING INDEX webhook_deliveries_due") != std::string::npos;
    failed += s.find("INDEX webhook_deliveries_failed") != std::string::npos;
  }
  CHECK(pending == 2); // the pending count and the oldest pending message
  CHECK(failed == 1);
}

STORE_CONTRACT("replay since a time sends an endpoint the events it never had, once") {
  StoreFixture f{Backend_::backend};
  OutboxStores stores(f);
  storage::WebhookStore& hooks = *stores.hooks;
  const auto order = f.insert("HOOK3");
  f.reach(order.id, OrderState::closed, k_t0 + 1min);
  const storage::WebhookEndpoint e{"late", {"order.closed"}};
  REQUIRE(hooks.fan_out({e}, k_t0 + 1h, 100).value() == 0); // configured after the fact
  CHECK(hooks.replay_since(e, k_t0, k_t0 + 1h).value() == 1);
  CHECK(hooks.fan_out({e}, k_t0 + 1h, 100).value() == 0);
  const auto due = hooks.due("late", k_t0 + 1h, 10).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].type == "order.closed");
  CHECK(hooks.replay_since(e, k_t0 + 2min, k_t0 + 1h).value() == 0); // nothing recorded since then
}

STORE_CONTRACT("fan-out takes the feed a page at a time; deliveries are listed newest first, by endpoint and order") {
  StoreFixture f{Backend_::backend};
  OutboxStores stores(f);
  storage::WebhookStore& hooks = *stores.hooks;
  const storage::WebhookEndpoint e{"ops", {}};
  const storage::WebhookEndpoint other{"audit", {"order.closed"}};
  REQUIRE(hooks.fan_out({e, other}, k_t0, 100).ok());
  const auto a = f.insert("LIST1");
  const auto b = f.insert("LIST2");
  f.reach(a.id, OrderState::success);
  f.reach(b.id, OrderState::recharging);
  CHECK(hooks.fan_out({e, other}, k_t0 + 1min, 2).value() == 2); // two events of three
  CHECK(hooks.backlog().value().at(1).after == std::stoll(f.scalar("SELECT min(id) FROM feed_events")) + 1);
  CHECK(hooks.fan_out({e, other}, k_t0 + 1min, 2).value() == 1);
  CHECK(hooks.fan_out({e, other}, k_t0 + 1min, 2).value() == 0);

  const auto all = hooks.deliveries("", "", 10).value();
  REQUIRE(all.size() == 3);
  CHECK(all[0].id > all[1].id);
  CHECK(all[1].id > all[2].id);
  CHECK(all[0].out_recharge_no == "LIST2");
  CHECK(all[0].state == "pending");
  CHECK(all[0].next_attempt_at == k_t0 + 1min);
  CHECK(all[0].created_at == k_t0 + 1min);
  CHECK_FALSE(all[0].delivered_at);
  CHECK(hooks.deliveries("audit", "", 10).value().empty());
  const auto of_a = hooks.deliveries("ops", "LIST1", 10).value();
  REQUIRE(of_a.size() == 2);
  CHECK(of_a[0].type == "order.succeeded");
  CHECK(of_a[1].type == "order.recharging");
  CHECK(hooks.deliveries("ops", "", 1).value().size() == 1);

  REQUIRE(hooks.record_attempt(of_a[1].id, delivered_at(k_t0 + 2min)).ok());
  const auto shown = hooks.delivery(of_a[1].id).value();
  REQUIRE(shown);
  CHECK(shown->state == "delivered");
  CHECK(shown->attempts == 1);
  CHECK(shown->last_status == 204);
  CHECK(shown->delivered_at == k_t0 + 2min);
  CHECK(shown->last_attempt_at == k_t0 + 2min);
  CHECK_FALSE(shown->next_attempt_at);
  CHECK_FALSE(hooks.delivery(of_a[1].id + 100).value());
  const auto tried = hooks.attempts(of_a[1].id).value();
  REQUIRE(tried.size() == 1);
  CHECK(tried[0].at == k_t0 + 2min);
  CHECK(tried[0].status == 204);
  const auto summary = hooks.summaries().value();
  REQUIRE(summary.size() == 2); // by endpoint name
  CHECK(summary[0].endpoint == "audit");
  CHECK(summary[0].pending + summary[0].delivered + summary[0].failed == 0);
  CHECK(summary[1].endpoint == "ops");
  CHECK(summary[1].delivered == 1);
  CHECK(summary[1].pending == 2);
  CHECK(summary[1].oldest_pending_created_at == k_t0 + 1min);
}

} // namespace recharged::test
