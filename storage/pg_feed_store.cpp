#include "storage/pg_feed_store.hpp"

#include <array>
#include <string>

namespace recharged::storage {

PgFeedStore::PgFeedStore(pg::Connection& connection) : db_(connection) {}

Result<std::vector<FeedEvent>> PgFeedStore::after(std::int64_t after, int limit) {
  const std::array<pg::Param, 2> values{std::to_string(after), std::to_string(limit)};
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, db_.exec("SELECT f.id, f.order_id, o.out_recharge_no, f.type, f.at, f.data "
                                              "FROM feed_events f JOIN orders o ON o.id = f.order_id "
                                              "WHERE f.id > $1 ORDER BY f.id LIMIT $2",
                                              values));
  std::vector<FeedEvent> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r)
    out.push_back(FeedEvent{rows.integer(r, 0), rows.integer(r, 1), rows.text(r, 2), rows.text(r, 3), rows.text(r, 4),
                            rows.text(r, 5)});
  return out;
}

Result<std::int64_t> PgFeedStore::last_id() {
  std::lock_guard lock(mu_);
  RECHARGED_TRY(const pg::Rows rows, db_.exec("SELECT COALESCE(MAX(id), 0) FROM feed_events"));
  return rows.integer(0, 0);
}

} // namespace recharged::storage
