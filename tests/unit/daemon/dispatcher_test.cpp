#include "daemon/dispatcher.hpp"

#include "daemon/group_committer.hpp"

#include "engine/order_request.hpp"
#include "engine/policy_planner.hpp"
#include "logging/setup.hpp"
#include "storage/backend.hpp"
#include "storage/pg_connection.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/sandbox_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace recharged;
using namespace std::chrono;

namespace {

// Time stands still, and a sleep ends only when the loop is woken (a visit ended) or stopped. A lost wake-up
// therefore cannot hide as a slow second: the sleep runs to its long real-time limit and is counted, so the
// tests need no stopwatch (they also run under TSan and ASan).
class FrozenClock final : public Clock {
public:
  [[nodiscard]] TimePoint now() const override { return now_; }
  bool sleep_until(TimePoint deadline, StopSignal& stop) override {
    if (deadline <= now_) return !stop.stop_requested();
    return stop.wait_for(k_sleep_limit);
  }
  static constexpr seconds k_sleep_limit{30};

private:
  const TimePoint now_ = time_point_cast<Millis>(system_clock::now());
};

// The dispatcher as the daemon runs it: a store behind the group committer, the engine against
// the sandbox (manual payers), a worker pool of `workers` threads, and the daemon's loop (dispatch, then
// sleep until the next round or a wake-up).
struct DispatchRig {
  // `claims`: the dispatcher of one node among several on a PostgreSQL database (the test process's server).
  explicit DispatchRig(std::size_t workers, std::size_t batch_size = 256,
                       std::optional<daemon::Dispatcher::Claims> claims = std::nullopt)
      : sandbox(clock), pool(workers) {
    storage::BackendOptions options;
    options.path = dir / "recharged.db";
    if (claims) options.url = test::PgServer::shared().create_database();
    auto opened = storage::Backend::open(options, storage::MigrationMode::create);
    REQUIRE(opened.ok());
    backend = std::move(*opened);
    store = &backend->orders();
    sink = std::make_unique<daemon::GroupCommitter>(*store);
    client = sandbox.client();
    planner = engine::make_policy_planner({}, sandbox.calendar());
    service = std::make_unique<engine::OrderService>(
        engine::ServiceContext{*store, *sink, client->api(), gate, *planner, clock, nullptr});
    dispatcher = std::make_unique<daemon::Dispatcher>(*store, *service, pool, clock, stop,
                                                      logging::Logging::null_logger("daemon"), batch_size, claims);
  }

  // A NEW row due a second ago (as a crash leaves it): its visit queries, then applies.
  void add_due_order(const std::string& no) {
    orders::Order o = engine::order_from_request(sandbox.apply_request(no), clock.now());
    o.close_after = planner->close_deadline(o);
    o.next_poll_at = clock.now() - seconds{1};
    REQUIRE(store->insert_new(o, clock.now()).ok());
  }

  // Runs the daemon's loop until `visits` visits are done, or until a wake-up was missed (a sleep ran to the
  // clock's real-time limit).
  void run_until(std::uint64_t visits) {
    while (dispatcher->visits() < visits && missed_wakeups == 0) {
      const TimePoint next = dispatcher->dispatch_once();
      const auto limit = steady_clock::now() + FrozenClock::k_sleep_limit;
      clock.sleep_until(next, stop);
      if (steady_clock::now() >= limit) ++missed_wakeups;
    }
    stop.request_stop();
    pool.join();
    sink->shutdown();
  }

  FrozenClock clock;
  int missed_wakeups = 0;
  test::TempDir dir;
  test::SandboxFixture sandbox;
  std::unique_ptr<storage::Backend> backend;
  storage::OrderStore* store = nullptr;
  std::unique_ptr<daemon::GroupCommitter> sink;
  std::unique_ptr<test::SandboxClient> client;
  engine::OpenGate gate;
  std::unique_ptr<engine::Planner> planner;
  std::unique_ptr<engine::OrderService> service;
  StopSignal stop;
  daemon::WorkerPool pool;
  std::unique_ptr<daemon::Dispatcher> dispatcher;
};

} // namespace

TEST_CASE("with one worker the next due order is handed over as soon as a visit ends, not a second later") {
  // Each visit wakes the loop when it ends. With a real clock a lost wake-up costs up to a second per visit
  // (the clock's longest single sleep); with time frozen, it leaves the loop asleep until the limit.
  DispatchRig rig(1);
  constexpr int k_orders = 20;
  for (int i = 0; i < k_orders; ++i) rig.add_due_order("RCDISPATCH" + std::to_string(100 + i));
  rig.run_until(k_orders);
  CHECK(rig.missed_wakeups == 0);
  CHECK(rig.dispatcher->visits() == k_orders);
  for (int i = 0; i < k_orders; ++i) {
    auto found = rig.store->find("RCDISPATCH" + std::to_string(100 + i));
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->state == orders::OrderState::recharging);
  }
}

TEST_CASE("a worker that ends a visit takes the next due order itself, with no round of the dispatch thread") {
  // Handing each order over (dispatch thread → worker → dispatch thread) cost two thread switches per poll.
  DispatchRig rig(1);
  constexpr int k_orders = 10;
  for (int i = 0; i < k_orders; ++i) rig.add_due_order("RCPULL" + std::to_string(100 + i));
  rig.dispatcher->dispatch_once(); // one round: one order for the one worker, the batch read
  CHECK(test::eventually([&] { return rig.dispatcher->visits() == k_orders && rig.dispatcher->in_flight() == 0; },
                         minutes{5}));
  rig.stop.request_stop();
  rig.pool.join();
  rig.sink->shutdown();
  for (int i = 0; i < k_orders; ++i)
    CHECK(rig.store->find("RCPULL" + std::to_string(100 + i)).value()->state == orders::OrderState::recharging);
}

TEST_CASE("the dispatcher never hands more visits at once than it has workers") {
  DispatchRig rig(3);
  constexpr int k_orders = 9;
  for (int i = 0; i < k_orders; ++i) rig.add_due_order("RCPARALLEL" + std::to_string(100 + i));
  std::atomic<bool> done{false};
  std::size_t peak = 0;
  std::thread watcher([&] {
    while (!done) {
      peak = std::max(peak, rig.dispatcher->in_flight());
      std::this_thread::sleep_for(milliseconds{1}); // a sampling pace, not a wait for anything
    }
  });
  rig.run_until(k_orders);
  done = true;
  watcher.join();
  CHECK(rig.dispatcher->visits() == k_orders);
  CHECK(peak <= 3);
  CHECK(rig.sandbox.platform().counters().apply_calls == k_orders);
}

TEST_CASE("a backlog larger than the batch is read again batch by batch and every order is visited once") {
  DispatchRig rig(2, 3);
  constexpr int k_orders = 10;
  for (int i = 0; i < k_orders; ++i) rig.add_due_order("RCBATCH" + std::to_string(100 + i));
  rig.run_until(k_orders);
  CHECK(rig.dispatcher->visits() == k_orders);
  // Each visit of a NEW row queries once (unknown) and applies once: a second visit would query again.
  const auto counters = rig.sandbox.platform().counters();
  CHECK(counters.apply_calls == k_orders);
  CHECK(counters.queries == k_orders);
  auto due = rig.store->due(rig.clock.now(), 100);
  REQUIRE(due.ok());
  CHECK(due->empty());
}

TEST_CASE("on a shared database a node visits only what it claimed, and ends every visit it made") {
  DispatchRig rig(2, 256, daemon::Dispatcher::Claims{"node-a", minutes{10}});
  for (int i = 0; i < 5; ++i) rig.add_due_order("CLAIM" + std::to_string(i));
  rig.add_due_order("ELSEWHERE");
  // Another node is visiting ELSEWHERE: this one must leave it alone.
  const auto other = rig.store->find("ELSEWHERE").value();
  REQUIRE(other);
  REQUIRE(rig.store->claim_visit(other->id, rig.clock.now(), "node-b", rig.clock.now() + minutes{10}).value());
  rig.run_until(5);
  CHECK(rig.missed_wakeups == 0);
  CHECK(rig.dispatcher->visits() == 5);
  CHECK(rig.store->find("ELSEWHERE").value()->state == orders::OrderState::new_order); // never visited here
  CHECK(rig.sandbox.platform().truth("ELSEWHERE") == std::nullopt);                     // nor applied
  auto held = rig.backend->postgres()->exec("SELECT visit_owner FROM orders WHERE visit_lease_until IS NOT NULL");
  REQUIRE(held.ok());
  REQUIRE(held->size() == 1); // node-a ended each of its visits; only node-b's lease is left
  CHECK(held->text(0, 0) == "node-b");
}

TEST_CASE("with nothing due the dispatcher sleeps until the earliest planned poll, on either backend") {
  for (const bool shared : {false, true}) {
    CAPTURE(shared);
    std::optional<daemon::Dispatcher::Claims> claims;
    if (shared) claims = daemon::Dispatcher::Claims{"node-a", minutes{10}};
    DispatchRig rig(2, 256, claims);
    rig.add_due_order("LATER");
    storage::OrderUpdate later;
    later.order_id = rig.store->find("LATER").value()->id;
    later.updated_at = rig.clock.now();
    later.set_next_poll = true;
    later.next_poll_at = rig.clock.now() + seconds{5};
    REQUIRE(rig.store->commit_one(later).value());
    CHECK(rig.dispatcher->dispatch_once() == rig.clock.now() + seconds{5}); // not the 60 s idle look
    rig.stop.request_stop();
    rig.pool.join();
    rig.sink->shutdown();
  }
}
