#pragma once

// The outbox's stores (feed, webhooks, idempotency keys) of a StoreFixture's backend, each on a connection of its
// own as the daemon opens them. Header-only because tests/unit/<module> compiles only *_test.cpp files.

#include "storage/pg_feed_store.hpp"
#include "storage/pg_idempotency_keys.hpp"
#include "storage/pg_webhook_store.hpp"
#include "storage/sqlite_feed_store.hpp"
#include "storage/sqlite_idempotency_keys.hpp"
#include "storage/sqlite_webhook_store.hpp"
#include "tests/unit/storage/store_fixture.hpp"

#include <memory>
#include <string>

namespace recharged::test {

// How long a PostgreSQL webhook store's due() leases a delivery in these tests.
inline constexpr Millis k_webhook_lease{300'000};

// The three stores on one more connection of `f`'s backend (a second SQLite connection to its file, or a
// PostgreSQL session). On PostgreSQL, `owner` names the node the webhook store's due() leases deliveries to.
struct OutboxStores {
  explicit OutboxStores(const StoreFixture& f, const std::string& owner = "node-a")
      : db(f.backend == Backend::sqlite ? open_database(f.path) : nullptr),
        pg(f.backend == Backend::postgres ? open_pg(f.pg_url) : nullptr) {
    if (db) {
      feed = std::make_unique<storage::SqliteFeedStore>(*db);
      keys = std::make_unique<storage::SqliteIdempotencyKeys>(*db);
      hooks = std::make_unique<storage::SqliteWebhookStore>(*db);
    } else {
      feed = std::make_unique<storage::PgFeedStore>(*pg);
      keys = std::make_unique<storage::PgIdempotencyKeys>(*pg);
      hooks = std::make_unique<storage::PgWebhookStore>(*pg, owner, k_webhook_lease);
    }
  }
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::pg::Connection> pg;
  std::unique_ptr<storage::FeedStore> feed;
  std::unique_ptr<storage::IdempotencyKeys> keys;
  std::unique_ptr<storage::WebhookStore> hooks;
};

// An attempt as the deliverer records it: a 500 retried at `next` (nullopt: given up), or a 204.
inline storage::DeliveryAttempt failed_at(TimePoint at, std::optional<TimePoint> next) {
  storage::DeliveryAttempt a;
  a.at = at;
  a.status = 500;
  a.error = "HTTP 500";
  a.next_attempt_at = next;
  return a;
}

inline storage::DeliveryAttempt delivered_at(TimePoint at) {
  storage::DeliveryAttempt a;
  a.at = at;
  a.status = 204;
  a.delivered = true;
  return a;
}

} // namespace recharged::test
