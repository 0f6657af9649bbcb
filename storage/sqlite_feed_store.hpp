#pragma once

#include "storage/database.hpp"
#include "storage/feed_store.hpp"

#include <mutex>

namespace recharged::storage {

// The event feed's read side in the SQLite file. Its own connection (`db`, which must outlive it).
class SqliteFeedStore final : public FeedStore {
public:
  explicit SqliteFeedStore(Database& db);

  [[nodiscard]] Result<std::vector<FeedEvent>> after(std::int64_t after, int limit) override;
  [[nodiscard]] Result<std::int64_t> last_id() override;

private:
  Database& db_;
  std::mutex mu_;
};

} // namespace recharged::storage
