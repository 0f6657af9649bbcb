#pragma once

#include "storage/database.hpp"
#include "storage/idempotency_keys.hpp"

#include <mutex>

namespace recharged::storage {

// The idempotency keys in the SQLite file, each remember() one IMMEDIATE transaction. Its own connection (`db`,
// which must outlive it).
class SqliteIdempotencyKeys final : public IdempotencyKeys {
public:
  explicit SqliteIdempotencyKeys(Database& db);

  [[nodiscard]] Result<std::optional<IdempotencyKey>> find(const std::string& key) override;
  [[nodiscard]] Result<IdempotencyKey> remember(const IdempotencyKey& entry) override;

private:
  Result<std::optional<IdempotencyKey>> select(const std::string& key);
  Database& db_;
  std::mutex mu_;
};

} // namespace recharged::storage
