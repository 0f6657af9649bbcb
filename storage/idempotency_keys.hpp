#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

#include <mutex>
#include <optional>
#include <string>

namespace recharged::storage {

// An Idempotency-Key of POST /v1/orders: the request it came with (a hash) and the order number it stands for.
struct IdempotencyKey {
  std::string key;
  std::string request_hash;
  std::string out_recharge_no;
  TimePoint created_at{};
};

// api_idempotency_keys: a key, once recorded, names one request and one order number for ever. Its own
// connection (`db`, which must outlive it); calls are serialised on it. Thread-safe; safe across processes.
class IdempotencyKeys {
public:
  explicit IdempotencyKeys(Database& db);

  [[nodiscard]] Result<std::optional<IdempotencyKey>> find(const std::string& key);
  // Records `entry` unless its key is already recorded, in one IMMEDIATE transaction, and returns the row as
  // stored: `entry`, or the earlier one that holds the key (the caller compares its request_hash).
  [[nodiscard]] Result<IdempotencyKey> remember(const IdempotencyKey& entry);

private:
  Result<std::optional<IdempotencyKey>> select(const std::string& key);
  Database& db_;
  std::mutex mu_;
};

} // namespace recharged::storage
