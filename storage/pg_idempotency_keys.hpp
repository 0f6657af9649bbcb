#pragma once

#include "storage/idempotency_keys.hpp"
#include "storage/pg_connection.hpp"

#include <mutex>

namespace recharged::storage {

// The idempotency keys in PostgreSQL. remember() inserts with ON CONFLICT (key) DO NOTHING, which waits for a
// concurrent insert of the same key to commit, then reads the key in a new statement: nodes racing on one key all
// get the row that was committed first. Calls are serialised on the one connection, which must outlive the store.
class PgIdempotencyKeys final : public IdempotencyKeys {
public:
  explicit PgIdempotencyKeys(pg::Connection& connection);

  [[nodiscard]] Result<std::optional<IdempotencyKey>> find(const std::string& key) override;
  [[nodiscard]] Result<IdempotencyKey> remember(const IdempotencyKey& entry) override;

private:
  Result<std::optional<IdempotencyKey>> select(const std::string& key);
  pg::Connection& db_;
  std::mutex mu_;
};

} // namespace recharged::storage
