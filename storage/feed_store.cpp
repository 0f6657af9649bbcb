#include "storage/feed_store.hpp"

#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <charconv>

namespace recharged::storage {

std::string event_id(std::int64_t id) { return "evt_" + std::to_string(id); }

Result<std::int64_t> parse_event_cursor(std::string_view text, const std::string& field) {
  std::string_view digits = text;
  if (digits.starts_with("evt_")) digits.remove_prefix(4);
  std::int64_t id = -1;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || id < 0)
    return Error::invalid(field, "The " + field + " '" + std::string(text.substr(0, 64)) +
                                     "' is not a feed cursor: give the next_cursor of a previous page, an event id "
                                     "(evt_42) or 0 for the start.");
  return id;
}

nlohmann::json event_envelope(const FeedEvent& e) {
  nlohmann::json data = nlohmann::json::parse(e.data, nullptr, false);
  if (data.is_discarded()) data = e.data;
  return nlohmann::json{{"id", event_id(e.id)},
                        {"type", e.type},
                        {"timestamp", e.at},
                        {"data", std::move(data)}};
}

FeedStore::FeedStore(Database& db) : db_(db) {}

Result<std::vector<FeedEvent>> FeedStore::after(std::int64_t after, int limit) {
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

Result<std::int64_t> FeedStore::last_id() {
  std::lock_guard lock(mu_);
  return guarded("read the event feed", db_.path(), [&]() -> Result<std::int64_t> {
    SQLite::Statement q(db_.native(), "SELECT COALESCE(MAX(id), 0) FROM feed_events");
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

} // namespace recharged::storage
