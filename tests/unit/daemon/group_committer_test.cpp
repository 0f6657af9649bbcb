#include "daemon/group_committer.hpp"

#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <thread>

using namespace recharged;
using orders::OrderState;

namespace {

struct Db {
  explicit Db(Millis busy_timeout = Millis{5'000}) {
    storage::DatabaseOptions o;
    o.path = dir / "g.db";
    o.busy_timeout = busy_timeout;
    auto db = storage::Database::open(o, storage::MigrationMode::create);
    REQUIRE(db.ok());
    database = std::move(*db);
    store = std::make_unique<storage::SqliteOrderStore>(*database);
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

std::size_t threads_of_this_process() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

} // namespace

TEST_CASE("a committer has no thread of its own: a caller alone writes its own updates") {
  Db db;
  const auto id = db.order("RCG-L");
  const std::size_t before = threads_of_this_process();
  daemon::GroupCommitter committer(*db.store);
  CHECK(threads_of_this_process() == before); // no writer to hand the batch to, and none to wake
  auto r = committer.commit({Db::to(id, OrderState::new_order, OrderState::recharging)});
  REQUIRE(r.ok());
  CHECK(r->front());
  CHECK(committer.stats().transactions == 1);
}

TEST_CASE("callers that arrive while a batch is being written are written together, in one transaction") {
  Db db(std::chrono::minutes{10}); // the first batch waits for the lock below as long as it must
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 9; ++i) ids.push_back(db.order("RCG-W" + std::to_string(i)));
  daemon::GroupCommitter committer(*db.store);
  SQLite::Database holder((db.dir / "g.db").string(), SQLite::OPEN_READWRITE);
  holder.exec("BEGIN IMMEDIATE"); // another writer holds the database: the first batch cannot finish

  std::vector<std::thread> threads;
  std::atomic<int> applied{0};
  auto caller = [&](std::int64_t id) {
    auto r = committer.commit({Db::to(id, OrderState::new_order, OrderState::recharging)});
    if (r.ok() && r->front()) ++applied;
  };
  for (const auto id : ids) threads.emplace_back(caller, id);
  // The first caller to arrive writes its batch and is stuck on the lock; the eight others queue behind it.
  while (committer.queued() != ids.size() - 1) std::this_thread::yield();
  holder.exec("ROLLBACK");
  for (auto& t : threads) t.join();
  CHECK(applied == 9);
  CHECK(committer.stats().transactions == 2);
  CHECK(committer.stats().updates == 9);
}

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
