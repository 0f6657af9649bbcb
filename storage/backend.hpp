#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/database.hpp"
#include "storage/feed_store.hpp"
#include "storage/idempotency_keys.hpp"
#include "storage/order_store.hpp"
#include "storage/webhook_store.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace recharged::storage {

namespace pg {
class Connection;
}

struct BackendOptions {
  std::filesystem::path path; // SQLite: the database file
  std::string url;            // PostgreSQL when set: the libpq connection URI (may carry a password)
  Millis busy_timeout{5'000}; // SQLite
  const Clock* clock = nullptr; // stamps schema_migrations.applied_at; null = the system clock
};

// Where a process keeps its orders: one SQLite file (the default; one daemon per file) or one PostgreSQL database
// (several daemons on several hosts). It owns the first connection and the order store on it; the parts that work
// beside the pollers (webhooks, the order API) open connections of their own through connect().
class Backend {
public:
  // Opens the first connection and applies `mode` to the schema (storage::Database::open's rules on both).
  [[nodiscard]] static Result<std::unique_ptr<Backend>> open(const BackendOptions& options, MigrationMode mode);
  virtual ~Backend() = default;

  // The file's path, or the URL with its password replaced: for logs and messages.
  [[nodiscard]] virtual std::string describe() const = 0;
  // Several daemons may use it at once: due orders are claimed under visit leases (OrderStore::claim_due).
  [[nodiscard]] virtual bool shared() const noexcept = 0;
  [[nodiscard]] virtual OrderStore& orders() noexcept = 0;
  // The SQLite connection, for what only SQLite has (online backup, WAL checkpoints, integrity_check); null
  // on PostgreSQL.
  [[nodiscard]] virtual Database* sqlite() noexcept { return nullptr; }
  // The PostgreSQL connection (the nodes table, the cluster view); null on SQLite.
  [[nodiscard]] virtual pg::Connection* postgres() noexcept { return nullptr; }
  // The other stores, on this backend's connection (keep the backend alive while they are used; give each thread
  // that works on its own a backend of its own, connect_again()). `owner` and `lease`: the webhook deliveries a
  // node claims on a shared database, for longer than one delivery round takes.
  [[nodiscard]] virtual std::unique_ptr<FeedStore> feed_store() = 0;
  [[nodiscard]] virtual std::unique_ptr<IdempotencyKeys> idempotency_keys() = 0;
  [[nodiscard]] virtual std::unique_ptr<WebhookStore> webhook_store(const std::string& owner, Millis lease) = 0;
  // Another connection to the same database, with its own order store, for a part of the process that works beside
  // the pollers (the schema must be current by now).
  [[nodiscard]] Result<std::unique_ptr<Backend>> connect_again() const;
  // The schema version the first connection found (after `mode` was applied).
  [[nodiscard]] virtual Result<int> schema_version() = 0;
  [[nodiscard]] virtual int latest_version() const noexcept = 0;

protected:
  explicit Backend(BackendOptions options) : options_(std::move(options)) {}

private:
  BackendOptions options_; // how this backend was opened: connect_again opens the same
};

} // namespace recharged::storage
