// The write-ahead rule with durability by kind: every decision that leads to a call outside (the NEW row before
// the apply, CLOSING before the close) is fsynced before that call is made, while a poll that learns nothing new
// is only written. A tracking VFS (tests/support/sync_tracker) records what reached the disk, and at each call
// the database is copied as a power loss at that moment would leave it.
#include "engine/order_service.hpp"
#include "tests/support/sync_tracker.hpp"
#include "tests/unit/engine/engine_fixture.hpp"
#include "storage/sqlite_order_store.hpp"

#include <doctest/doctest.h>

using namespace recharged;
using namespace std::chrono;
using orders::OrderState;

namespace {

// What the disk held when a call was about to be made.
struct CallSeen {
  wxpay::Endpoint endpoint;
  std::int64_t unsynced_wal_bytes = 0;
  std::optional<orders::Order> after_power_loss; // the order in a copy cut back to what was synced
};

// Lets every call through, after noting what a power loss at that moment would have kept of order `no`.
class PowerLossGate final : public engine::CallGate {
public:
  PowerLossGate(const test::SyncTracker& tracker, std::filesystem::path db, std::filesystem::path scratch)
      : tracker_(tracker), db_(std::move(db)), scratch_(std::move(scratch)) {}

  std::string watched; // out_recharge_no
  std::vector<CallSeen> calls;

  [[nodiscard]] bool enter(wxpay::Endpoint endpoint) override {
    CallSeen seen{endpoint, tracker_.unsynced_wal_bytes(db_), survivor()};
    calls.push_back(std::move(seen));
    return true;
  }
  void leave(wxpay::Endpoint, const Error*) override {}

  std::optional<orders::Order> survivor() const {
    const auto copy = scratch_ / "after-power-loss.db";
    tracker_.copy_after_power_loss(db_, copy);
    storage::DatabaseOptions options;
    options.path = copy;
    auto db = storage::Database::open(options, storage::MigrationMode::upgrade);
    REQUIRE(db.ok());
    storage::SqliteOrderStore store(**db);
    auto found = store.find(watched);
    REQUIRE(found.ok());
    return *found;
  }

private:
  const test::SyncTracker& tracker_;
  std::filesystem::path db_;
  std::filesystem::path scratch_;
};

// The tracker first: it must be the default VFS before the fixture opens its database, and outlive it.
struct Tracked {
  test::SyncTracker tracker;
  test::EngineFixture f;
  test::TempDir scratch;
  PowerLossGate gate{tracker, f.dir / "recharged.db", scratch.path()};
  engine::OrderService service{
      engine::ServiceContext{*f.store, *f.sink, f.client->api(), gate, *f.planner, f.clock, nullptr}};
};

} // namespace

TEST_CASE("the NEW row and the CLOSING decision are on disk before the apply and the close are sent") {
  Tracked t;
  t.gate.watched = "RCW1";
  REQUIRE(t.service.apply(t.f.sandbox.apply_request("RCW1")).ok());
  REQUIRE(t.gate.calls.size() == 1);
  CHECK(t.gate.calls[0].endpoint == wxpay::Endpoint::apply);
  CHECK(t.gate.calls[0].unsynced_wal_bytes == 0);
  REQUIRE(t.gate.calls[0].after_power_loss);
  CHECK(t.gate.calls[0].after_power_loss->state == OrderState::new_order);

  for (int i = 0; i < 3; ++i) { // polls that learn nothing new: written, not synced
    t.f.advance(seconds{30});
    REQUIRE(t.service.sync("RCW1", orders::EventSource::poll)->state == OrderState::recharging);
  }
  CHECK(t.f.stored("RCW1").poll_count == 3);

  t.gate.calls.clear();
  auto closed = t.service.close("RCW1", orders::EventSource::operator_action);
  REQUIRE(closed.ok());
  CHECK(closed->state == OrderState::closed);
  // The final query, the close, the confirming query.
  REQUIRE(t.gate.calls.size() == 3);
  CHECK(t.gate.calls[0].unsynced_wal_bytes > 0); // the observations before it were not synced
  const CallSeen& close = t.gate.calls[1];
  CHECK(close.endpoint == wxpay::Endpoint::close);
  CHECK(close.unsynced_wal_bytes == 0); // CLOSING, and everything written before it, is on disk
  REQUIRE(close.after_power_loss);
  CHECK(close.after_power_loss->state == OrderState::closing);
  CHECK(close.after_power_loss->poll_count == 4);
}

TEST_CASE("a power loss after polls that learned nothing costs one early poll, nothing else") {
  Tracked t;
  t.gate.watched = "RCW2";
  const auto applied = t.service.apply(t.f.sandbox.apply_request("RCW2"));
  REQUIRE(applied.ok());
  REQUIRE(applied->next_poll_at);
  const TimePoint first_due = *applied->next_poll_at;
  t.f.clock.set(first_due);
  REQUIRE(t.service.work(t.f.stored("RCW2"))->state == OrderState::recharging);
  const orders::Order polled = t.f.stored("RCW2");
  CHECK(polled.poll_count == 1);
  REQUIRE(polled.next_poll_at);
  CHECK(*polled.next_poll_at > first_due);
  CHECK(t.tracker.unsynced_wal_bytes(t.f.dir / "recharged.db") > 0);

  const auto survivor = t.gate.survivor();
  REQUIRE(survivor);
  CHECK(survivor->state == OrderState::recharging); // the apply's outcome is kept
  CHECK(survivor->recharge_url == applied->recharge_url);
  CHECK(survivor->poll_count == 0);                 // the poll is lost...
  CHECK(survivor->next_poll_at == first_due);       // ...so the order is due again at once: one early poll
}
