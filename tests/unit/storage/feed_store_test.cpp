#include "tests/unit/storage/outbox_fixture.hpp"

using namespace recharged;
using namespace recharged::storage;
using namespace recharged::test;

namespace {

// Feed rows as the daemon writes them: order_id, type, at, data. Its id.
std::int64_t append(StoreFixture& f, std::int64_t order_id, const std::string& type, const std::string& data) {
  REQUIRE(f.exec("INSERT INTO feed_events (order_id, type, at, data) VALUES (" + std::to_string(order_id) + ", '" +
                 type + "', '2026-11-23T01:00:00.000Z', '" + data + "')"));
  return std::stoll(f.scalar("SELECT max(id) FROM feed_events"));
}

} // namespace

STORE_CONTRACT("the feed is read after a cursor, oldest first, a page at a time, with each event's order number") {
  StoreFixture f{Backend_::backend};
  const auto a = f.insert("FEEDA").id;
  const auto b = f.insert("FEEDB").id;
  OutboxStores stores(f);
  FeedStore& feed = *stores.feed;
  CHECK(feed.last_id().value() == 0);
  CHECK(feed.after(0, 10).value().empty());
  const auto e1 = append(f, a, "order.recharging", R"({"order":{"out_recharge_no":"FEEDA"}})");
  const auto e2 = append(f, b, "order.recharging", R"({"order":{"out_recharge_no":"FEEDB"}})");
  const auto e3 = append(f, a, "order.succeeded", R"({"order":{"out_recharge_no":"FEEDA"}})");
  CHECK(feed.last_id().value() == e3);

  const auto first = feed.after(0, 2).value();
  REQUIRE(first.size() == 2);
  CHECK(first[0].id == e1);
  CHECK(first[0].out_recharge_no == "FEEDA");
  CHECK(first[1].id == e2);
  CHECK(first[1].out_recharge_no == "FEEDB");
  const auto rest = feed.after(first.back().id, 2).value();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].id == e3);
  CHECK(rest[0].type == "order.succeeded");
  CHECK(feed.after(e3, 2).value().empty());
}

TEST_CASE("an event's envelope carries evt_<id>, its type, its timestamp and its data as JSON") {
  const FeedEvent e{42, 7, "FEEDA", "order.fund_returned", "2026-11-23T01:00:00.000Z",
                    R"({"order":{"state":"SUCCESS"},"fund_return":{"amount_fen":100}})"};
  const auto j = event_envelope(e);
  CHECK(j["id"] == "evt_42");
  CHECK(j["type"] == "order.fund_returned");
  CHECK(j["timestamp"] == "2026-11-23T01:00:00.000Z");
  CHECK(j["data"]["order"]["state"] == "SUCCESS");
  CHECK(j["data"]["fund_return"]["amount_fen"] == 100);
  CHECK(j.size() == 4);
  FeedEvent broken = e;
  broken.data = "not json";
  CHECK(event_envelope(broken)["data"] == "not json");
}

TEST_CASE("a feed cursor is a decimal id or an event id; anything else names the field") {
  CHECK(parse_event_cursor("0", "after").value() == 0);
  CHECK(parse_event_cursor("42", "after").value() == 42);
  CHECK(parse_event_cursor("evt_42", "after").value() == 42);
  for (const char* bad : {"", "-1", "evt_", "42x", "evt_-3", "99999999999999999999", "2026-11-23"}) {
    const auto r = parse_event_cursor(bad, "after");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::invalid_input);
    CHECK(r.error().field == "after");
  }
}

STORE_CONTRACT("an idempotency key is recorded once; a second request under it gets the first one back") {
  StoreFixture f{Backend_::backend};
  OutboxStores stores(f);
  IdempotencyKeys& keys = *stores.keys;
  CHECK_FALSE(keys.find("k1").value());
  const IdempotencyKey first{"k1", "hash-a", "RC1", k_t0};
  const auto stored = keys.remember(first).value();
  CHECK(stored.out_recharge_no == "RC1");
  CHECK(stored.created_at == k_t0);
  const auto again = keys.remember({"k1", "hash-b", "RC2", k_t0 + std::chrono::minutes{1}}).value();
  CHECK(again.request_hash == "hash-a");
  CHECK(again.out_recharge_no == "RC1");
  CHECK(keys.find("k1").value()->out_recharge_no == "RC1");
  // The table refuses changes from outside too.
  CHECK_FALSE(f.exec("UPDATE api_idempotency_keys SET out_recharge_no = 'RC9'"));
  CHECK(keys.find("k1").value()->out_recharge_no == "RC1");
  CHECK_FALSE(keys.find("k2").value());
}
