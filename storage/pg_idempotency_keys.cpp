#include "storage/pg_idempotency_keys.hpp"

#include <array>

namespace recharged::storage {

PgIdempotencyKeys::PgIdempotencyKeys(pg::Connection& connection) : db_(connection) {}

Result<std::optional<IdempotencyKey>> PgIdempotencyKeys::select(const std::string& key) {
  const std::array<pg::Param, 1> values{key};
  RECHARGED_TRY(const pg::Rows rows,
                db_.exec("SELECT key, request_hash, out_recharge_no, created_at FROM api_idempotency_keys "
                         "WHERE key = $1",
                         values));
  if (rows.size() == 0) return std::optional<IdempotencyKey>{};
  IdempotencyKey k{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2), {}};
  RECHARGED_TRY(k.created_at, idempotency_key_time(rows.text(0, 3)));
  return std::optional<IdempotencyKey>(std::move(k));
}

Result<std::optional<IdempotencyKey>> PgIdempotencyKeys::find(const std::string& key) {
  std::lock_guard lock(mu_);
  return select(key);
}

Result<IdempotencyKey> PgIdempotencyKeys::remember(const IdempotencyKey& entry) {
  const std::array<pg::Param, 4> values{entry.key, entry.request_hash, entry.out_recharge_no,
                                        format_utc(entry.created_at)};
  std::lock_guard lock(mu_);
  // Two statements, each its own transaction: the SELECT's snapshot is taken after the INSERT has waited out (and
  // given way to) a concurrent insert of the same key, so it sees whichever row won.
  RECHARGED_CHECK(db_.exec("INSERT INTO api_idempotency_keys (key, request_hash, out_recharge_no, created_at) "
                           "VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
                           values));
  RECHARGED_TRY(auto stored, select(entry.key));
  if (!stored) return Error::make(ErrorKind::internal, "missing", "The idempotency key vanished while recorded.");
  return std::move(*stored);
}

} // namespace recharged::storage
