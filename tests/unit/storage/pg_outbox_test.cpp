// Several nodes on one PostgreSQL database: the outbox's stores under concurrent callers on their own connections.
#include "tests/unit/storage/outbox_fixture.hpp"

#include <algorithm>
#include <latch>
#include <map>
#include <set>
#include <thread>

namespace recharged::test {
namespace {

using namespace std::chrono_literals;

// `count` orders, each RECHARGING (one feed row apiece).
void recharging_orders(StoreFixture& f, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i) f.reach(f.insert(prefix + std::to_string(i)).id, OrderState::recharging);
}

} // namespace

TEST_CASE("two nodes fanning out at once create each delivery once and move every cursor only forward") {
  StoreFixture f{Backend::postgres};
  const storage::WebhookEndpoint ops{"ops", {}};
  const storage::WebhookEndpoint paid{"paid", {"order.succeeded"}};
  OutboxStores a(f, "node-a"), b(f, "node-b");
  REQUIRE(a.hooks->fan_out({ops, paid}, k_t0, 0).ok()); // both cursors start at the empty feed
  constexpr int k_orders = 60;
  recharging_orders(f, "FAN", k_orders);
  const std::int64_t head = std::stoll(f.scalar("SELECT max(id) FROM feed_events"));

  // Each node pages through the feed a few events at a time, the endpoints named in opposite orders, until both
  // cursors have reached the head.
  std::latch go(2);
  auto node = [&](storage::WebhookStore& hooks, std::vector<storage::WebhookEndpoint> endpoints,
                  std::int64_t& queued, std::string& error) {
    std::map<std::string, std::int64_t> seen;
    go.arrive_and_wait();
    for (;;) {
      auto round = hooks.fan_out(endpoints, k_t0 + 1min, 3);
      if (!round) {
        error = round.error().message;
        return;
      }
      queued += *round;
      auto cursors = hooks.backlog();
      if (!cursors) {
        error = cursors.error().message;
        return;
      }
      for (const auto& c : *cursors) { // as committed: never behind what this node saw before
        if (c.after < seen[c.endpoint]) error = c.endpoint + "'s cursor went back";
        seen[c.endpoint] = c.after;
      }
      if (!error.empty()) return;
      if (std::all_of(cursors->begin(), cursors->end(), [&](const auto& c) { return c.after == head; })) return;
    }
  };
  std::int64_t queued_a = 0, queued_b = 0;
  std::string error_a, error_b;
  std::thread ta(node, std::ref(*a.hooks), std::vector{ops, paid}, std::ref(queued_a), std::ref(error_a));
  std::thread tb(node, std::ref(*b.hooks), std::vector{paid, ops}, std::ref(queued_b), std::ref(error_b));
  ta.join();
  tb.join();
  CHECK(error_a == "");
  CHECK(error_b == "");
  CHECK(queued_a + queued_b == k_orders); // ops wants every event, paid none of these
  CHECK(f.scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'ops'") == std::to_string(k_orders));
  CHECK(f.scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'paid'") == "0");
  const auto cursors = a.hooks->backlog().value();
  REQUIRE(cursors.size() == 2);
  for (const auto& c : cursors) CHECK(c.after == head);
}

TEST_CASE("two nodes taking due deliveries at once are never handed the same one") {
  StoreFixture f{Backend::postgres};
  const storage::WebhookEndpoint ops{"ops", {}};
  OutboxStores a(f, "node-a"), b(f, "node-b");
  REQUIRE(a.hooks->fan_out({ops}, k_t0, 0).ok());
  constexpr int k_orders = 60;
  recharging_orders(f, "DUE", k_orders);
  REQUIRE(a.hooks->fan_out({ops}, k_t0 + 1min, 1000).value() == k_orders);

  // Each node sends what it is handed and records it, as the deliverer does, until nothing is due.
  std::latch go(2);
  auto node = [&](storage::WebhookStore& hooks, std::vector<std::int64_t>& sent, std::string& error) {
    go.arrive_and_wait();
    for (;;) {
      auto due = hooks.due("ops", k_t0 + 2min, 4);
      if (!due) {
        error = due.error().message;
        return;
      }
      if (due->empty()) return;
      for (const auto& d : *due) {
        sent.push_back(d.id);
        if (auto recorded = hooks.record_attempt(d.id, delivered_at(k_t0 + 2min)); !recorded) {
          error = recorded.error().message;
          return;
        }
      }
    }
  };
  std::vector<std::int64_t> sent_a, sent_b;
  std::string error_a, error_b;
  std::thread ta(node, std::ref(*a.hooks), std::ref(sent_a), std::ref(error_a));
  std::thread tb(node, std::ref(*b.hooks), std::ref(sent_b), std::ref(error_b));
  ta.join();
  tb.join();
  CHECK(error_a == "");
  CHECK(error_b == "");
  std::set<std::int64_t> all(sent_a.begin(), sent_a.end());
  all.insert(sent_b.begin(), sent_b.end());
  CHECK(sent_a.size() + sent_b.size() == static_cast<std::size_t>(k_orders)); // nobody was handed one twice
  CHECK(all.size() == static_cast<std::size_t>(k_orders));
  CHECK(f.scalar("SELECT count(*) FROM webhook_attempts") == std::to_string(k_orders));
  CHECK(f.scalar("SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'") == std::to_string(k_orders));
}

TEST_CASE("a delivery handed out is leased to its node: handed to it again, to another node once the lease ran out") {
  StoreFixture f{Backend::postgres};
  const storage::WebhookEndpoint ops{"ops", {}};
  OutboxStores a(f, "node-a"), b(f, "node-b");
  REQUIRE(a.hooks->fan_out({ops}, k_t0, 0).ok());
  recharging_orders(f, "LEASE", 2);
  REQUIRE(a.hooks->fan_out({ops}, k_t0, 100).value() == 2);

  const auto first = a.hooks->due("ops", k_t0 + 1min, 1).value();
  REQUIRE(first.size() == 1);
  const auto rest = b.hooks->due("ops", k_t0 + 1min, 10).value();
  REQUIRE(rest.size() == 1); // the other one
  CHECK(rest[0].id != first[0].id);
  CHECK(b.hooks->due("ops", k_t0 + 1min, 10).value().size() == 1); // its own lease: handed to it again
  CHECK(a.hooks->due("ops", k_t0 + 1min, 10).value().size() == 1); // a's own, not b's
  CHECK(f.scalar("SELECT lease_owner FROM webhook_deliveries WHERE id = " + std::to_string(first[0].id)) == "node-a");

  // node-a dies with its delivery unsent: once the lease has run out, node-b takes it over.
  const TimePoint expired = k_t0 + 1min + k_webhook_lease;
  const auto taken = b.hooks->due("ops", expired, 10).value();
  REQUIRE(taken.size() == 2);
  CHECK(a.hooks->due("ops", expired, 10).value().empty());
  REQUIRE(b.hooks->record_attempt(taken[0].id, delivered_at(expired)).ok());
  CHECK(f.scalar("SELECT lease_owner || '/' || coalesce(lease_until::text, 'none') FROM webhook_deliveries WHERE id = " +
                 std::to_string(taken[0].id)) == "/none");
}

TEST_CASE("two nodes remembering one idempotency key at once both get the row stored first") {
  StoreFixture f{Backend::postgres};
  OutboxStores a(f, "node-a"), b(f, "node-b");
  constexpr int k_keys = 40;
  std::latch go(2);
  auto node = [&](storage::IdempotencyKeys& keys, const std::string& hash, std::vector<storage::IdempotencyKey>& got,
                  std::string& error) {
    go.arrive_and_wait();
    for (int i = 0; i < k_keys; ++i) {
      auto stored = keys.remember({"key-" + std::to_string(i), hash, "RC-" + hash + std::to_string(i), k_t0});
      if (!stored) {
        error = stored.error().message;
        return;
      }
      got.push_back(*stored);
    }
  };
  std::vector<storage::IdempotencyKey> got_a, got_b;
  std::string error_a, error_b;
  std::thread ta(node, std::ref(*a.keys), "a", std::ref(got_a), std::ref(error_a));
  std::thread tb(node, std::ref(*b.keys), "b", std::ref(got_b), std::ref(error_b));
  ta.join();
  tb.join();
  REQUIRE(error_a == "");
  REQUIRE(error_b == "");
  REQUIRE(got_a.size() == static_cast<std::size_t>(k_keys));
  REQUIRE(got_b.size() == static_cast<std::size_t>(k_keys));
  for (int i = 0; i < k_keys; ++i) {
    CAPTURE(i);
    CHECK(got_a[i].request_hash == got_b[i].request_hash);
    CHECK(got_a[i].out_recharge_no == got_b[i].out_recharge_no);
    CHECK(got_a[i].out_recharge_no == a.keys->find("key-" + std::to_string(i)).value()->out_recharge_no);
  }
}

} // namespace recharged::test
