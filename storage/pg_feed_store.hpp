#pragma once

#include "storage/feed_store.hpp"
#include "storage/pg_connection.hpp"

#include <mutex>

namespace recharged::storage {

// The event feed's read side in PostgreSQL. It reads by id: the writers (PgOrderStore) insert feed rows under a
// transaction-level advisory lock, so ids become visible in commit order and a cursor never skips a row.
// Calls are serialised on the one connection, which must outlive the store.
class PgFeedStore final : public FeedStore {
public:
  explicit PgFeedStore(pg::Connection& connection);

  [[nodiscard]] Result<std::vector<FeedEvent>> after(std::int64_t after, int limit) override;
  [[nodiscard]] Result<std::int64_t> last_id() override;

private:
  pg::Connection& db_;
  std::mutex mu_;
};

} // namespace recharged::storage
