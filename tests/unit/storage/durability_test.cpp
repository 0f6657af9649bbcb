// Durability by kind: what the store fsyncs before commit() returns, what it leaves to the next sync, and what a
// power loss at the worst moment keeps. The files are real; a tracking VFS (tests/support/sync_tracker) records
// how far the WAL was written and how far it was synced.
#include "tests/support/sync_tracker.hpp"
#include "tests/unit/storage/store_fixture.hpp"
#include "storage/sqlite_order_store.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

namespace {

// "Still RECHARGING": what the engine records after a query that changed nothing.
OrderUpdate observation(std::int64_t id, TimePoint at, TimePoint next_poll) {
  OrderUpdate u;
  u.order_id = id;
  u.expect_state = OrderState::recharging;
  u.updated_at = at;
  u.platform_state = "RECHARGING";
  u.poll_count_delta = 1;
  u.last_poll_at = at;
  u.failure_streak = 0;
  u.last_error = "";
  u.set_next_poll = true;
  u.next_poll_at = next_poll;
  u.next_poll_reason = "dense";
  orders::OrderEvent e;
  e.at = at;
  e.kind = orders::EventKind::api_call;
  e.endpoint = "query";
  e.http_status = 200;
  e.message = "still RECHARGING";
  u.events.push_back(e);
  return u;
}

// The tracker must exist before the database opens, and outlive it.
struct TrackedStore {
  SyncTracker tracker;
  StoreFixture f;
};

} // namespace

TEST_CASE("an observation that changes nothing needs no sync; every other kind of update does") {
  const TimePoint at = k_t0 + 1min;
  const OrderUpdate seen = observation(1, at, at + 1s);
  CHECK(durability_of(seen) == Durability::unsynced);

  auto changed = [&](auto change) {
    OrderUpdate u = seen;
    change(u);
    return durability_of(u);
  };
  CHECK(changed([](OrderUpdate& u) { u.events.clear(); }) == Durability::unsynced);
  CHECK(changed([](OrderUpdate& u) { u.failure_streak = 3; u.last_error = "timeout"; }) == Durability::unsynced);
  CHECK(changed([](OrderUpdate& u) { u.accept_time = k_t0; u.recharge_id = "R1"; }) == Durability::unsynced);

  CHECK(changed([](OrderUpdate& u) { u.new_state = OrderState::success; }) == Durability::synced);
  CHECK(changed([](OrderUpdate& u) { u.new_state = OrderState::recharging; }) == Durability::synced);
  CHECK(changed([](OrderUpdate& u) { u.fund_return = FundReturnRecord{}; }) == Durability::synced);
  CHECK(changed([&](OrderUpdate& u) { u.apply_lease_until = at + 2min; }) == Durability::synced);
  CHECK(changed([](OrderUpdate& u) { u.release_apply_lease = true; }) == Durability::synced);
  CHECK(changed([](OrderUpdate& u) { u.recharge_url = "weixin://x"; }) == Durability::synced);
  CHECK(changed([&](OrderUpdate& u) { u.applied_at = at; }) == Durability::synced);
  CHECK(changed([&](OrderUpdate& u) { u.close_after = at + 6 * 24h; }) == Durability::synced);
  for (const auto kind : {orders::EventKind::created, orders::EventKind::state_changed, orders::EventKind::alert,
                          orders::EventKind::notification, orders::EventKind::fund_returned}) {
    CAPTURE(orders::to_string(kind));
    CHECK(changed([&](OrderUpdate& u) { u.events.front().kind = kind; }) == Durability::synced);
  }
}

TEST_CASE("a state change is fsynced before commit returns, an observation is only written") {
  TrackedStore t;
  const auto order = t.f.insert("DUR1");
  CHECK(t.tracker.wal(t.f.path).syncs > 0);
  CHECK(t.tracker.unsynced_wal_bytes(t.f.path) == 0); // the write-ahead row is on disk

  t.f.reach(order.id, OrderState::recharging);
  CHECK(t.tracker.unsynced_wal_bytes(t.f.path) == 0);

  const int syncs = t.tracker.wal(t.f.path).syncs;
  REQUIRE(t.f.store.commit_one(observation(order.id, k_t0 + 2min, k_t0 + 3min)).value());
  CHECK(t.tracker.wal(t.f.path).syncs == syncs);
  CHECK(t.tracker.unsynced_wal_bytes(t.f.path) > 0);
  CHECK(t.f.reload(order.id).poll_count == 1); // visible to every reader at once, synced or not

  SUBCASE("a batch with one state change in it is synced whole, and so is everything before it") {
    const auto other = t.f.insert("DUR2");
    t.f.reach(other.id, OrderState::recharging);
    const std::vector<OrderUpdate> batch{observation(order.id, k_t0 + 4min, k_t0 + 5min),
                                         transition(other.id, OrderState::recharging, OrderState::success, k_t0 + 4min)};
    REQUIRE(t.f.store.commit(batch).ok());
    CHECK(t.tracker.unsynced_wal_bytes(t.f.path) == 0);
  }
  SUBCASE("the connection is synced again for the next write after an unsynced commit") {
    t.f.insert("DUR3");
    CHECK(t.tracker.unsynced_wal_bytes(t.f.path) == 0);
  }
}

TEST_CASE("a power loss loses only the unsynced observations: the order is due again at its earlier time") {
  TrackedStore t;
  const auto order = t.f.insert("DUR4");
  t.f.reach(order.id, OrderState::recharging);
  const TimePoint first_due = k_t0 + 3min;
  auto settled = observation(order.id, k_t0 + 2min, first_due);
  settled.events.front().kind = orders::EventKind::alert; // an alert: synced, like a state change
  REQUIRE(t.f.store.commit_one(settled).value());
  REQUIRE(t.tracker.unsynced_wal_bytes(t.f.path) == 0);
  const std::size_t events_synced = t.f.event_count(order.id);

  for (int i = 1; i <= 3; ++i)
    REQUIRE(t.f.store.commit_one(observation(order.id, first_due + i * 1min, first_due + (i + 1) * 1min)).value());
  CHECK(t.f.reload(order.id).poll_count == 4);

  const auto copy = t.f.dir / "after-power-loss.db";
  t.tracker.copy_after_power_loss(t.f.path, copy);
  auto db = open_database(copy);
  SqliteOrderStore survived(*db);
  const auto order_after = survived.find_by_id(order.id).value();
  REQUIRE(order_after);
  CHECK(order_after->state == OrderState::recharging);
  CHECK(order_after->poll_count == 1);
  CHECK(order_after->next_poll_at == first_due);
  CHECK(survived.events(order.id).value().size() == events_synced);
  const auto due = survived.due(first_due, 10).value();
  REQUIRE(due.size() == 1);
  CHECK(due.front().id == order.id); // polled again, early: the whole cost of the loss
}

TEST_CASE("a process crash loses nothing: unsynced commits are in the file for the next process") {
  TrackedStore t;
  const auto order = t.f.insert("DUR5");
  t.f.reach(order.id, OrderState::recharging);
  REQUIRE(t.f.store.commit_one(observation(order.id, k_t0 + 2min, k_t0 + 3min)).value());
  REQUIRE(t.tracker.unsynced_wal_bytes(t.f.path) > 0);
  // What the OS holds is what another process opens (no sync involved): a crashed daemon's successor sees it.
  CHECK(scalar(t.f.raw(SQLite::OPEN_READONLY), "SELECT poll_count FROM orders WHERE out_recharge_no = 'DUR5'") == "1");
}
