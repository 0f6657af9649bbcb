#include "storage/sqlite_idempotency_keys.hpp"

#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace recharged::storage {

SqliteIdempotencyKeys::SqliteIdempotencyKeys(Database& db) : db_(db) {}

Result<std::optional<IdempotencyKey>> SqliteIdempotencyKeys::select(const std::string& key) {
  SQLite::Statement q(db_.native(),
                      "SELECT key, request_hash, out_recharge_no, created_at FROM api_idempotency_keys WHERE key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::optional<IdempotencyKey>{};
  IdempotencyKey k{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(), {}};
  RECHARGED_TRY(k.created_at, idempotency_key_time(q.getColumn(3).getString()));
  return std::optional<IdempotencyKey>(std::move(k));
}

Result<std::optional<IdempotencyKey>> SqliteIdempotencyKeys::find(const std::string& key) {
  std::lock_guard lock(mu_);
  return guarded("read an idempotency key", db_.path(), [&] { return select(key); });
}

Result<IdempotencyKey> SqliteIdempotencyKeys::remember(const IdempotencyKey& entry) {
  std::lock_guard lock(mu_);
  return guarded("record an idempotency key", db_.path(), [&]() -> Result<IdempotencyKey> {
    SQLite::Transaction tx(db_.native(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement insert(db_.native(),
                             "INSERT INTO api_idempotency_keys (key, request_hash, out_recharge_no, created_at) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING");
    insert.bind(1, entry.key);
    insert.bind(2, entry.request_hash);
    insert.bind(3, entry.out_recharge_no);
    insert.bind(4, format_utc(entry.created_at));
    insert.exec();
    RECHARGED_TRY(auto stored, select(entry.key));
    tx.commit();
    if (!stored) return Error::make(ErrorKind::internal, "missing", "The idempotency key vanished while recorded.");
    return std::move(*stored);
  });
}

} // namespace recharged::storage
