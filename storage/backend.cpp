#include "storage/backend.hpp"

#include "storage/pg_connection.hpp"
#include "storage/pg_feed_store.hpp"
#include "storage/pg_idempotency_keys.hpp"
#include "storage/pg_order_store.hpp"
#include "storage/pg_webhook_store.hpp"
#include "storage/sqlite_feed_store.hpp"
#include "storage/sqlite_idempotency_keys.hpp"
#include "storage/sqlite_order_store.hpp"
#include "storage/sqlite_webhook_store.hpp"

namespace recharged::storage {
namespace {

class SqliteBackend final : public Backend {
public:
  SqliteBackend(std::unique_ptr<Database> db, BackendOptions options)
      : Backend(std::move(options)), db_(std::move(db)), store_(*db_) {}
  std::string describe() const override { return db_->path().string(); }
  bool shared() const noexcept override { return false; }
  OrderStore& orders() noexcept override { return store_; }
  Database* sqlite() noexcept override { return db_.get(); }
  std::unique_ptr<FeedStore> feed_store() override { return std::make_unique<SqliteFeedStore>(*db_); }
  std::unique_ptr<IdempotencyKeys> idempotency_keys() override {
    return std::make_unique<SqliteIdempotencyKeys>(*db_);
  }
  // One daemon per file: nobody to lease deliveries against.
  std::unique_ptr<WebhookStore> webhook_store(const std::string&, Millis) override {
    return std::make_unique<SqliteWebhookStore>(*db_);
  }
  Result<int> schema_version() override { return db_->schema_version(); }
  int latest_version() const noexcept override { return Database::latest_version(); }

private:
  std::unique_ptr<Database> db_;
  SqliteOrderStore store_;
};

class PgBackend final : public Backend {
public:
  PgBackend(std::unique_ptr<pg::Connection> conn, BackendOptions options)
      : Backend(std::move(options)), conn_(std::move(conn)), store_(*conn_) {}
  std::string describe() const override { return conn_->redacted_url(); }
  bool shared() const noexcept override { return true; }
  OrderStore& orders() noexcept override { return store_; }
  pg::Connection* postgres() noexcept override { return conn_.get(); }
  std::unique_ptr<FeedStore> feed_store() override { return std::make_unique<PgFeedStore>(*conn_); }
  std::unique_ptr<IdempotencyKeys> idempotency_keys() override { return std::make_unique<PgIdempotencyKeys>(*conn_); }
  std::unique_ptr<WebhookStore> webhook_store(const std::string& owner, Millis lease) override {
    return std::make_unique<PgWebhookStore>(*conn_, owner, lease);
  }
  Result<int> schema_version() override { return conn_->schema_version(); }
  int latest_version() const noexcept override { return pg::Connection::latest_version(); }

private:
  std::unique_ptr<pg::Connection> conn_;
  PgOrderStore store_;
};

} // namespace

Result<std::unique_ptr<Backend>> Backend::connect_again() const {
  return Backend::open(options_, MigrationMode::require_current);
}

Result<std::unique_ptr<Backend>> Backend::open(const BackendOptions& options, MigrationMode mode) {
  if (!options.url.empty()) {
    pg::ConnectionOptions pg_options;
    pg_options.url = options.url;
    pg_options.clock = options.clock;
    RECHARGED_TRY(auto conn, pg::Connection::open(pg_options, mode));
    return std::unique_ptr<Backend>(std::make_unique<PgBackend>(std::move(conn), options));
  }
  DatabaseOptions db;
  db.path = options.path;
  db.busy_timeout = options.busy_timeout;
  db.clock = options.clock;
  RECHARGED_TRY(auto database, Database::open(db, mode));
  return std::unique_ptr<Backend>(std::make_unique<SqliteBackend>(std::move(database), options));
}

} // namespace recharged::storage
