#pragma once

// The order engine wired to real things: a SQLite file, the sandbox platform on 127.0.0.1 (manual payers,
// virtual time), a real ApiClient, and the production scheduling policy.

#include "engine/order_service.hpp"
#include "engine/policy_planner.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_order_store.hpp"
#include "tests/support/sandbox_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

namespace recharged::test {

inline TimePoint engine_start() { return parse_rfc3339("2026-11-23T10:00:00+08:00").value(); }

struct EngineFixture {
  explicit EngineFixture(SandboxFixtureOptions options = {})
      : clock(engine_start()), sandbox(clock, std::move(options)) {
    storage::DatabaseOptions db_options;
    db_options.path = dir / "recharged.db";
    auto opened = storage::Database::open(db_options, storage::MigrationMode::create);
    REQUIRE(opened.ok());
    database = std::move(*opened);
    store = std::make_unique<storage::SqliteOrderStore>(*database);
    sink = std::make_unique<engine::StoreSink>(*store);
    client = sandbox.client();
    planner = engine::make_policy_planner({}, sandbox.calendar());
    service = std::make_unique<engine::OrderService>(
        engine::ServiceContext{*store, *sink, client->api(), gate, *planner, clock, nullptr});
  }

  orders::Order stored(const std::string& no) {
    auto found = store->find(no);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    return **found;
  }

  std::vector<orders::OrderEvent> events_of(const std::string& no) {
    auto ev = store->events(stored(no).id);
    REQUIRE(ev.ok());
    return *ev;
  }

  // Lets virtual time pass and the platform act on it (payments landing, expiry).
  void advance(Millis d) {
    clock.advance(d);
    sandbox.sandbox().flush();
  }

  ManualClock clock;
  TempDir dir;
  SandboxFixture sandbox;
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<storage::OrderStore> store;
  std::unique_ptr<engine::StoreSink> sink;
  std::unique_ptr<SandboxClient> client;
  engine::OpenGate gate;
  std::unique_ptr<engine::Planner> planner;
  std::unique_ptr<engine::OrderService> service;
};

} // namespace recharged::test
