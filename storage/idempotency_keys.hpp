#pragma once

#include "core/result.hpp"
#include "core/time.hpp"

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

// api_idempotency_keys: a key, once recorded, names one request and one order number for ever. On either backend
// (SqliteIdempotencyKeys, PgIdempotencyKeys; one contract suite), each on its own connection with its calls
// serialised on it. Thread-safe; safe across processes and, on PostgreSQL, across hosts.
class IdempotencyKeys {
public:
  virtual ~IdempotencyKeys() = default;

  [[nodiscard]] virtual Result<std::optional<IdempotencyKey>> find(const std::string& key) = 0;
  // Records `entry` unless its key is already recorded and returns the row as stored: `entry`, or the earlier one
  // that holds the key (the caller compares its request_hash). Callers racing on one key all get the first row.
  [[nodiscard]] virtual Result<IdempotencyKey> remember(const IdempotencyKey& entry) = 0;
};

// created_at as stored, read back; an unreadable time is Error{storage, "corrupt"}.
[[nodiscard]] Result<TimePoint> idempotency_key_time(const std::string& stored);

} // namespace recharged::storage
