// Several daemons on one PostgreSQL database: due orders are claimed under visit leases so no order is visited by
// two nodes at once, and feed rows get their ids in commit order.
#include "storage/pg_nodes.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/storage/store_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <thread>

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;
using namespace std::chrono_literals;

namespace {

// A second daemon: its own connection to the fixture's database and its own store.
struct Node {
  std::unique_ptr<pg::Connection> conn;
  std::unique_ptr<PgOrderStore> store;
  explicit Node(const std::string& url) : conn(open_pg(url)), store(std::make_unique<PgOrderStore>(*conn)) {}
};

std::set<std::int64_t> ids_of(const std::vector<orders::Order>& orders) {
  std::set<std::int64_t> ids;
  for (const auto& o : orders) ids.insert(o.id);
  return ids;
}

// `count` RECHARGING orders, all due at k_t0 + 1 min.
std::vector<std::int64_t> due_orders(StoreFixture& f, int count) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < count; ++i) {
    const auto id = f.insert("NODE" + std::to_string(i)).id;
    auto u = transition(id, OrderState::new_order, OrderState::recharging, k_t0);
    u.set_next_poll = true;
    u.next_poll_at = k_t0 + 1min;
    REQUIRE(f.store.commit_one(u).value());
    ids.push_back(id);
  }
  return ids;
}

} // namespace

STORE_CONTRACT("claim_due hands out the due orders as due() orders them") {
  StoreFixture f{Backend_::backend};
  const auto ids = due_orders(f, 5);
  const auto due = f.store.due(k_t0 + 2min, 3).value();
  const auto claimed = f.store.claim_due(k_t0 + 2min, 3, "node-a", k_t0 + 10min).value();
  REQUIRE(claimed.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(claimed[i].id == due[i].id);
  CHECK(f.store.claim_due(k_t0, 10, "node-a", k_t0 + 10min).value().empty()); // nothing is due yet
  CHECK(f.store.claim_due(k_t0 + 2min, 0, "node-a", k_t0 + 10min).value().empty());
}

TEST_CASE("an order leased to one node is skipped by the others until the lease ends, then taken over") {
  StoreFixture f{Backend::postgres};
  const auto ids = due_orders(f, 4);
  Node b(f.pg_url);
  const auto now = k_t0 + 2min;
  const auto a_claims = f.store.claim_due(now, 2, "node-a", now + 2min).value();
  REQUIRE(a_claims.size() == 2);
  const auto b_claims = b.store->claim_due(now, 10, "node-b", now + 2min).value();
  CHECK(b_claims.size() == 2);
  std::set<std::int64_t> both = ids_of(a_claims);
  for (const auto id : ids_of(b_claims)) CHECK(both.insert(id).second); // disjoint
  CHECK(both.size() == 4);
  CHECK(f.scalar("SELECT count(*) FROM orders WHERE visit_owner = 'node-a' AND visit_lease_until IS NOT NULL") == "2");

  // While the leases run nobody, the owner included, is handed those orders again.
  CHECK(f.store.claim_due(now + 1min, 10, "node-a", now + 3min).value().empty());
  CHECK(b.store->claim_due(now + 1min, 10, "node-b", now + 3min).value().empty());
  // node-b ends one visit; that order is free at once (still due here: no next poll was set). Another node's
  // end_visit of it changes nothing.
  const std::int64_t done = *ids_of(b_claims).begin();
  REQUIRE(f.store.end_visit(done, "node-a"));
  CHECK(f.store.claim_due(now + 1min, 10, "node-a", now + 3min).value().empty());
  REQUIRE(b.store->end_visit(done, "node-b"));
  CHECK(ids_of(f.store.claim_due(now + 1min, 10, "node-a", now + 3min).value()) == std::set<std::int64_t>{done});
  // node-a dies: once the leases of now + 2 min have ended, node-b takes node-a's first two orders over (and its
  // own unfinished one again), but not the one node-a leased until now + 3 min.
  std::set<std::int64_t> expected(ids.begin(), ids.end());
  expected.erase(done);
  CHECK(ids_of(b.store->claim_due(now + 2min, 10, "node-b", now + 5min).value()) == expected);
}

TEST_CASE("a visit a notification asks for leases that one order, unless another node is visiting it") {
  StoreFixture f{Backend::postgres};
  const auto ids = due_orders(f, 2);
  Node b(f.pg_url);
  const auto now = k_t0 + 2min;
  REQUIRE(f.store.claim_due(now, 1, "node-a", now + 2min).value().size() == 1);
  const std::int64_t held = f.store.due(now, 1).value().front().id; // the one node-a holds (earliest due)
  const std::int64_t free = held == ids[0] ? ids[1] : ids[0];
  CHECK_FALSE(b.store->claim_visit(held, now, "node-b", now + 2min).value());
  CHECK(b.store->claim_visit(free, now, "node-b", now + 2min).value());
  CHECK(f.store.claim_due(now, 10, "node-a", now + 2min).value().empty()); // both leased now
  CHECK(b.store->claim_visit(held, now + 2min, "node-b", now + 4min).value()); // node-a's lease has ended
}

TEST_CASE("a node that stops cleanly releases its leases and the others take its orders at once") {
  StoreFixture f{Backend::postgres};
  due_orders(f, 3);
  Node b(f.pg_url);
  const auto now = k_t0 + 2min;
  REQUIRE(f.store.claim_due(now, 10, "node-a", now + 1h).value().size() == 3);
  CHECK(b.store->claim_due(now, 10, "node-b", now + 1h).value().empty());
  CHECK(f.store.release_visits("node-a").value() == 3);
  CHECK(b.store->claim_due(now, 10, "node-b", now + 1h).value().size() == 3);
  CHECK(f.store.release_visits("node-a").value() == 0);
}

TEST_CASE("nodes claiming at the same time never receive the same order") {
  StoreFixture f{Backend::postgres};
  const auto ids = due_orders(f, 60);
  std::vector<std::unique_ptr<Node>> nodes;
  for (int n = 0; n < 3; ++n) nodes.push_back(std::make_unique<Node>(f.pg_url));
  std::vector<std::vector<std::int64_t>> got(nodes.size());
  std::vector<std::thread> threads;
  const auto now = k_t0 + 2min;
  for (std::size_t n = 0; n < nodes.size(); ++n)
    threads.emplace_back([&, n] {
      for (;;) {
        auto claimed = nodes[n]->store->claim_due(now, 4, "node-" + std::to_string(n), now + 1h);
        if (!claimed || claimed->empty()) return;
        for (const auto& o : *claimed) got[n].push_back(o.id);
      }
    });
  for (auto& t : threads) t.join();
  std::vector<std::int64_t> all;
  for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end()); // no order twice
  CHECK(all == ids);                                             // and none left out
}

TEST_CASE("a change that writes a feed row waits for the feed's commit order; an observation does not") {
  StoreFixture f{Backend::postgres};
  const auto id = f.insert("FEEDLOCK").id;
  // Another node's transaction has taken the feed lock and not committed yet.
  auto other = open_pg(f.pg_url);
  REQUIRE(other->exec("BEGIN"));
  REQUIRE(other->exec("SELECT pg_advisory_xact_lock(x'666565646c6f636b'::bigint)"));

  OrderUpdate observed;
  observed.order_id = id;
  observed.expect_state = OrderState::new_order;
  observed.updated_at = k_t0 + 1s;
  observed.last_error = "still NEW";
  CHECK(f.store.commit_one(observed).value()); // no feed row: does not wait

  Result<std::optional<orders::Order>> changed = Error{};
  std::thread writer([&] { changed = f.store.commit_one(transition(id, OrderState::new_order, OrderState::recharging, k_t0 + 2s)); });
  const bool waiting = eventually(
      [&] { return f.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == "1"; },
      Millis{30'000});
  CHECK(waiting);
  CHECK(f.scalar("SELECT count(*) FROM feed_events") == "0");
  REQUIRE(other->exec("COMMIT"));
  writer.join();
  REQUIRE_MESSAGE(changed.ok(), (changed.ok() ? "" : changed.error().message));
  CHECK(*changed);
  CHECK(f.scalar("SELECT count(*) FROM feed_events") == "1");
}

TEST_CASE("the nodes table: heartbeats, who is live, who holds which leases, and a clean leave") {
  StoreFixture f{Backend::postgres};
  due_orders(f, 3);
  pg::Nodes nodes(*f.pg);
  const auto now = k_t0 + 2min;
  REQUIRE(nodes.heartbeat("node-a", "host-a", 101, now));
  REQUIRE(nodes.heartbeat("node-b", "host-b", 202, now));
  REQUIRE(nodes.heartbeat("node-a", "host-a", 101, now + 20s)); // renewed; started_at stays
  REQUIRE(f.store.claim_due(now, 2, "node-a", now + 1h).value().size() == 2);
  REQUIRE(f.store.claim_due(now, 1, "node-gone", now + 1h).value().size() == 1); // left without a row

  auto seen = nodes.list(now + 40s, Millis{30'000}).value();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].id == "node-a"); // live first
  CHECK(seen[0].live);
  CHECK(seen[0].host == "host-a");
  CHECK(seen[0].pid == 101);
  CHECK(seen[0].started_at == now);
  CHECK(seen[0].heartbeat_at == now + 20s);
  CHECK(seen[0].leases == 2);
  CHECK(seen[1].id == "node-b"); // its last beat is 40 s old: gone
  CHECK_FALSE(seen[1].live);
  CHECK(seen[1].leases == 0);
  CHECK(seen[2].id == "node-gone");
  CHECK_FALSE(seen[2].live);
  CHECK(seen[2].leases == 1);

  REQUIRE(nodes.leave("node-b"));
  seen = nodes.list(now + 40s, Millis{30'000}).value();
  CHECK(seen.size() == 2);
  // Leases that have run out are no longer counted.
  CHECK(nodes.list(now + 2h, Millis{30'000}).value().size() == 1);
}

TEST_CASE("the merchant's API budget is split evenly among the live nodes") {
  CHECK(pg::budget_share(90.0, 3) == doctest::Approx(30.0));
  CHECK(pg::budget_share(90.0, 1) == doctest::Approx(90.0));
  CHECK(pg::budget_share(90.0, 0) == doctest::Approx(90.0)); // this node, before its own first heartbeat is seen
}
