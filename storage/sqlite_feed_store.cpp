#include "storage/sqlite_feed_store.hpp"

#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace recharged::storage {

SqliteFeedStore::SqliteFeedStore(Database& db) : db_(db) {}

Result<std::vector<FeedEvent>> SqliteFeedStore::after(std::int64_t after, int limit) {
  std::lock_guard lock(mu_);
  return guarded("read the event feed", db_.path(), [&]() -> Result<std::vector<FeedEvent>> {
    SQLite::Statement q(db_.native(),
                        "SELECT f.id, f.order_id, o.out_recharge_no, f.type, f.at, f.data FROM feed_events f "
                        "JOIN orders o ON o.id = f.order_id WHERE f.id > ? ORDER BY f.id LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(after));
    q.bind(2, limit);
    std::vector<FeedEvent> out;
    while (q.executeStep()) {
      out.push_back(FeedEvent{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                              q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString()});
    }
    return out;
  });
}

Result<std::int64_t> SqliteFeedStore::last_id() {
  std::lock_guard lock(mu_);
  return guarded("read the event feed", db_.path(), [&]() -> Result<std::int64_t> {
    SQLite::Statement q(db_.native(), "SELECT COALESCE(MAX(id), 0) FROM feed_events");
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

} // namespace recharged::storage
