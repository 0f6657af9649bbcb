#include "bench/support/store_check.hpp"

#include "storage/database.hpp"
#include "core/clock.hpp"
#include "storage/sqlite_order_store.hpp"

#include <array>
#include <utility>

namespace recharged::bench {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 8> k_invariants{{
    {"final_at is set exactly on SUCCESS, CLOSED and REJECTED orders",
     "SELECT count(*) FROM orders WHERE (state IN ('SUCCESS', 'CLOSED', 'REJECTED')) <> (final_at IS NOT NULL)"},
    {"next_poll_at is set exactly on open orders",
     "SELECT count(*) FROM orders WHERE (state IN ('NEW', 'RECHARGING', 'CLOSING')) <> (next_poll_at IS NOT NULL)"},
    {"orders past NEW (but REJECTED) carry the platform's recharge_id and applied_at",
     "SELECT count(*) FROM orders WHERE state NOT IN ('NEW', 'REJECTED') AND (applied_at IS NULL OR recharge_id = '')"},
    {"every order's first event is its creation",
     "SELECT count(*) FROM orders AS o WHERE (SELECT kind FROM order_events AS e WHERE e.order_id = o.id "
     "ORDER BY e.id LIMIT 1) IS NOT 'created'"},
    {"updated_at is the time of the order's latest event",
     "SELECT count(*) FROM orders AS o WHERE o.updated_at <> (SELECT max(at) FROM order_events AS e WHERE e.order_id = o.id)"},
    {"events of an order are in time order",
     "SELECT count(*) FROM (SELECT at, lag(at) OVER (PARTITION BY order_id ORDER BY id) AS before FROM order_events) "
     "WHERE before > at"},
    {"each state change starts where the previous one ended",
     "SELECT count(*) FROM (SELECT old_state, lag(new_state) OVER (PARTITION BY order_id ORDER BY id) AS before "
     "FROM order_events WHERE kind IN ('created', 'state_changed')) WHERE before IS NOT NULL AND old_state IS NOT before"},
    {"the last state change ends in the order's state",
     "SELECT count(*) FROM orders AS o WHERE o.state IS NOT (SELECT new_state FROM order_events AS e WHERE "
     "e.order_id = o.id AND e.kind IN ('created', 'state_changed') ORDER BY e.id DESC LIMIT 1)"},
}};

Result<std::int64_t> count_rows(SqliteHandle& db, std::string_view sql) {
  RECHARGED_TRY(SqliteStatement q, SqliteStatement::prepare(db, sql));
  std::int64_t n = 0;
  for (;;) {
    RECHARGED_TRY(const bool row, q.step());
    if (!row) return n;
    ++n;
  }
}

// Reads sampled orders back through the real store; returns how many could not be read.
Result<std::int64_t> read_back(const std::filesystem::path& path, std::int64_t max_id, std::int64_t every) {
  storage::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  RECHARGED_TRY(auto db, storage::Database::open(options, storage::MigrationMode::require_current));
  storage::SqliteOrderStore store(*db);
  std::int64_t failures = 0;
  for (std::int64_t id = 1; id <= max_id; id += every) {
    auto order = store.find_by_id(id);
    if (!order || !*order) {
      ++failures;
      continue;
    }
    if (!store.events(id) || !store.notifications((*order)->out_recharge_no) || !store.fund_returns(id)) ++failures;
  }
  if (!store.counts(SystemClock{}.now()) || !store.due(SystemClock{}.now(), 1000)) ++failures;
  return failures;
}

} // namespace

Result<std::vector<CheckFinding>> check_store(SqliteHandle& db, const std::filesystem::path& path,
                                              std::int64_t sample_every) {
  std::vector<CheckFinding> out;
  RECHARGED_TRY(SqliteStatement quick, SqliteStatement::prepare(db, "PRAGMA quick_check"));
  RECHARGED_TRY(const bool row, quick.step());
  out.push_back({"SQLite quick_check says ok", row && quick.column_text(0) == "ok" ? 0 : 1});
  RECHARGED_TRY(const std::int64_t dangling, count_rows(db, "PRAGMA foreign_key_check"));
  out.push_back({"every reference points at an existing row", dangling});
  for (const auto& [name, sql] : k_invariants) {
    RECHARGED_TRY(const auto n, db.scalar(sql));
    out.push_back({std::string(name), n.value_or(0)});
  }
  RECHARGED_TRY(const auto max_id, db.scalar("SELECT max(id) FROM orders"));
  RECHARGED_TRY(const std::int64_t unreadable, read_back(path, max_id.value_or(0), std::max<std::int64_t>(sample_every, 1)));
  out.push_back({"sampled orders, events, notifications and fund returns read back through OrderStore", unreadable});
  return out;
}

} // namespace recharged::bench
