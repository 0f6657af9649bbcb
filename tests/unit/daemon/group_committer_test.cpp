#include "daemon/group_committer.hpp"

#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace recharged;
using orders::OrderState;

namespace {

struct Db {
  Db() {
    storage::DatabaseOptions o;
    o.path = dir / "g.db";
    auto db = storage::Database::open(o, storage::MigrationMode::create);
    REQUIRE(db.ok());
    database = std::move(*db);
    store = std::make_unique<storage::OrderStore>(*database);
  }
  std::int64_t order(const std::string& no) {
    orders::Order o;
    o.out_recharge_no = no;
    o.sub_mchid = "1900000101";
    o.recharge_scene = "ECOMMERCE_DEPOSIT";
    o.account_type = "DEPOSIT";
    o.amount = 100;
    o.close_after = now + std::chrono::days{6};
    auto r = store->insert_new(o, now);
    REQUIRE(r.ok());
    return r->order.id;
  }
  static storage::OrderUpdate to(std::int64_t id, OrderState from, OrderState state) {
    storage::OrderUpdate u;
    u.order_id = id;
    u.expect_state = from;
    u.new_state = state;
    u.updated_at = now;
    orders::OrderEvent e;
    e.at = now;
    e.kind = orders::EventKind::state_changed;
    e.old_state = from;
    e.new_state = state;
    u.events.push_back(e);
    return u;
  }
  static inline const TimePoint now = parse_rfc3339("2026-11-23T10:00:00Z").value();
  test::TempDir dir;
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<storage::OrderStore> store;
};

} // namespace

TEST_CASE("updates from many threads are group-committed and each caller gets its own results") {
  Db db;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 64; ++i) ids.push_back(db.order("RCG" + std::to_string(i)));
  daemon::GroupCommitter committer(*db.store);
  std::vector<std::thread> threads;
  std::atomic<int> applied{0};
  std::atomic<int> own{0}; // results that are the caller's own order, as stored after its update
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 64; i += 8) {
        const auto id = ids[static_cast<std::size_t>(i)];
        auto r = committer.commit({Db::to(id, OrderState::new_order, OrderState::recharging)});
        REQUIRE(r.ok());
        REQUIRE(r->size() == 1);
        if (r->front()) ++applied;
        if (r->front() && r->front()->id == id && r->front()->state == OrderState::recharging) ++own;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(applied == 64);
  CHECK(own == 64);
  const auto stats = committer.stats();
  CHECK(stats.updates == 64);
  CHECK(stats.transactions <= 64);
  for (auto id : ids) CHECK(db.store->find_by_id(id).value()->state == OrderState::recharging);
}

TEST_CASE("a failed guard is reported to its caller only, and its events are not written") {
  Db db;
  const auto id = db.order("RCG-A");
  daemon::GroupCommitter committer(*db.store);
  REQUIRE(committer.commit({Db::to(id, OrderState::new_order, OrderState::recharging)}).value().front());
  auto stale = committer.commit({Db::to(id, OrderState::new_order, OrderState::rejected)});
  REQUIRE(stale.ok());
  CHECK_FALSE(stale->front());
  CHECK(db.store->events(id).value().size() == 2); // created + one transition
}

TEST_CASE("one invalid update does not fail the other callers in its batch") {
  Db db;
  const auto good = db.order("RCG-B");
  const auto bad = db.order("RCG-C");
  daemon::GroupCommitter committer(*db.store);
  std::optional<Result<storage::Committed>> good_result, bad_result;
  std::thread a([&] { good_result = committer.commit({Db::to(good, OrderState::new_order, OrderState::recharging)}); });
  std::thread b([&] { bad_result = committer.commit({Db::to(bad, OrderState::new_order, OrderState::success)}); });
  a.join();
  b.join();
  REQUIRE(good_result->ok());
  CHECK(good_result->value().front());
  CHECK_FALSE(bad_result->ok()); // NEW → SUCCESS is not a transition
  CHECK(db.store->find_by_id(good).value()->state == OrderState::recharging);
  CHECK(db.store->find_by_id(bad).value()->state == OrderState::new_order);
}

TEST_CASE("after shutdown commits are still written, directly") {
  Db db;
  const auto id = db.order("RCG-D");
  daemon::GroupCommitter committer(*db.store);
  committer.shutdown();
  auto r = committer.commit({Db::to(id, OrderState::new_order, OrderState::recharging)});
  REQUIRE(r.ok());
  CHECK(r->front());
}
