#include "storage/sqlite_webhook_store.hpp"

#include "storage/sqlite_error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace recharged::storage {
namespace {

std::optional<TimePoint> optional_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  auto parsed = parse_rfc3339(c.getString());
  if (!parsed) return std::nullopt;
  return *parsed;
}

TimePoint time_of(const SQLite::Column& c) { return optional_time(c).value_or(TimePoint{}); }

bool wants(const WebhookEndpoint& e, const std::string& type) { return e.types.empty() || e.types.count(type) > 0; }

std::int64_t feed_head(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT coalesce(max(id), 0) FROM feed_events");
  q.executeStep();
  return q.getColumn(0).getInt64();
}

// Creates (or, when `requeue`, re-opens) the delivery of one event to one endpoint. Returns 1 when it was queued.
int queue(SQLite::Database& db, const std::string& endpoint, std::int64_t feed_event_id, std::int64_t order_id,
          TimePoint now, bool requeue) {
  SQLite::Statement insert(db, "INSERT INTO webhook_deliveries (endpoint, feed_event_id, order_id, state, "
                               "next_attempt_at, created_at) VALUES (?1, ?2, ?3, 'pending', ?4, ?4) "
                               "ON CONFLICT (endpoint, feed_event_id) DO NOTHING");
  insert.bind(1, endpoint);
  insert.bind(2, feed_event_id);
  insert.bind(3, order_id);
  insert.bind(4, format_utc(now));
  const int inserted = insert.exec();
  if (inserted == 1 || !requeue) return inserted;
  SQLite::Statement reopen(db, "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?3 "
                               "WHERE endpoint = ?1 AND feed_event_id = ?2");
  reopen.bind(1, endpoint);
  reopen.bind(2, feed_event_id);
  reopen.bind(3, format_utc(now));
  return reopen.exec();
}

// Each subquery reads a partial index (webhook_deliveries_due, webhook_deliveries_failed) whose rows are the
// backlog only. INDEXED BY because the planner otherwise prefers the unique (endpoint, …) index, which spans the
// whole history; if a schema change ever made the index unusable, the query fails rather than scanning.
constexpr const char* k_backlog_query =
    "SELECT c.endpoint, c.after, "
    "  (SELECT count(*) FROM webhook_deliveries d INDEXED BY webhook_deliveries_due"
    "     WHERE d.endpoint = c.endpoint AND d.state = 'pending'),"
    "  (SELECT count(*) FROM webhook_deliveries d INDEXED BY webhook_deliveries_failed"
    "     WHERE d.endpoint = c.endpoint AND d.state = 'failed'),"
    "  (SELECT min(created_at) FROM webhook_deliveries d INDEXED BY webhook_deliveries_due"
    "     WHERE d.endpoint = c.endpoint AND d.state = 'pending') "
    "FROM webhook_cursors c ORDER BY c.endpoint";

constexpr const char* k_delivery_columns =
    "d.id, d.endpoint, d.feed_event_id, o.out_recharge_no, f.type, d.state, d.attempts, d.next_attempt_at, "
    "d.last_attempt_at, d.delivered_at, d.last_status, d.last_error, d.created_at";
constexpr const char* k_delivery_from = " FROM webhook_deliveries d JOIN feed_events f ON f.id = d.feed_event_id "
                                        "JOIN orders o ON o.id = d.order_id ";

DeliveryRow read_delivery(SQLite::Statement& q) {
  DeliveryRow r;
  r.id = q.getColumn(0).getInt64();
  r.endpoint = q.getColumn(1).getString();
  r.feed_event_id = q.getColumn(2).getInt64();
  r.out_recharge_no = q.getColumn(3).getString();
  r.type = q.getColumn(4).getString();
  r.state = q.getColumn(5).getString();
  r.attempts = q.getColumn(6).getInt();
  r.next_attempt_at = optional_time(q.getColumn(7));
  r.last_attempt_at = optional_time(q.getColumn(8));
  r.delivered_at = optional_time(q.getColumn(9));
  r.last_status = q.getColumn(10).getInt();
  r.last_error = q.getColumn(11).getString();
  r.created_at = time_of(q.getColumn(12));
  return r;
}

} // namespace

Result<std::int64_t> SqliteWebhookStore::fan_out(const std::vector<WebhookEndpoint>& endpoints, TimePoint now, int limit) {
  std::lock_guard lock(mu_);
  return guarded("queue webhook deliveries", db_.path(), [&]() -> Result<std::int64_t> {
    auto& db = db_.native();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::int64_t queued = 0;
    for (const auto& e : endpoints) {
      {
        SQLite::Statement start(db, "INSERT INTO webhook_cursors (endpoint, after, created_at) VALUES (?1, ?2, ?3) "
                                    "ON CONFLICT (endpoint) DO NOTHING");
        start.bind(1, e.name);
        start.bind(2, feed_head(db));
        start.bind(3, format_utc(now));
        start.exec();
      }
      SQLite::Statement cursor(db, "SELECT after FROM webhook_cursors WHERE endpoint = ?1");
      cursor.bind(1, e.name);
      cursor.executeStep();
      std::int64_t after = cursor.getColumn(0).getInt64();
      SQLite::Statement events(db, "SELECT id, order_id, type FROM feed_events WHERE id > ?1 ORDER BY id LIMIT ?2");
      events.bind(1, after);
      events.bind(2, limit);
      const std::int64_t was = after;
      while (events.executeStep()) {
        after = events.getColumn(0).getInt64();
        if (wants(e, events.getColumn(2).getString()))
          queued += queue(db, e.name, after, events.getColumn(1).getInt64(), now, false);
      }
      if (after != was) {
        SQLite::Statement move(db, "UPDATE webhook_cursors SET after = ?2 WHERE endpoint = ?1");
        move.bind(1, e.name);
        move.bind(2, after);
        move.exec();
      }
    }
    tx.commit();
    return queued;
  });
}

Result<std::vector<DueDelivery>> SqliteWebhookStore::due(const std::string& endpoint, TimePoint now, int limit) {
  std::lock_guard lock(mu_);
  return guarded("read the due webhook deliveries", db_.path(), [&]() -> Result<std::vector<DueDelivery>> {
    SQLite::Statement q(db_.native(),
                        "SELECT d.id, d.endpoint, d.feed_event_id, d.order_id, d.attempts, f.type, f.at, f.data "
                        "FROM webhook_deliveries d JOIN feed_events f ON f.id = d.feed_event_id "
                        "WHERE d.endpoint = ?3 AND d.state = 'pending' AND d.next_attempt_at <= ?1 AND NOT EXISTS ("
                        "  SELECT 1 FROM webhook_deliveries e WHERE e.endpoint = d.endpoint AND e.order_id = d.order_id"
                        "  AND e.feed_event_id < d.feed_event_id AND e.state = 'pending') "
                        "ORDER BY d.next_attempt_at, d.id LIMIT ?2");
    q.bind(1, format_utc(now));
    q.bind(2, limit);
    q.bind(3, endpoint);
    std::vector<DueDelivery> out;
    while (q.executeStep()) {
      DueDelivery d;
      d.id = q.getColumn(0).getInt64();
      d.endpoint = q.getColumn(1).getString();
      d.feed_event_id = q.getColumn(2).getInt64();
      d.order_id = q.getColumn(3).getInt64();
      d.attempts = q.getColumn(4).getInt();
      d.type = q.getColumn(5).getString();
      d.at = time_of(q.getColumn(6));
      d.data = q.getColumn(7).getString();
      out.push_back(std::move(d));
    }
    return out;
  });
}

Status SqliteWebhookStore::record_attempt(std::int64_t delivery_id, const DeliveryAttempt& a) {
  std::lock_guard lock(mu_);
  return guarded("record a webhook attempt", db_.path(), [&]() -> Status {
    auto& db = db_.native();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    {
      SQLite::Statement insert(db, "INSERT INTO webhook_attempts (delivery_id, at, status, latency_ms, error) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)");
      insert.bind(1, delivery_id);
      insert.bind(2, format_utc(a.at));
      insert.bind(3, a.status);
      insert.bind(4, a.latency_ms);
      insert.bind(5, a.error);
      insert.exec();
    }
    const char* state = a.delivered ? "delivered" : a.next_attempt_at ? "pending" : "failed";
    SQLite::Statement update(db, "UPDATE webhook_deliveries SET state = ?2, attempts = attempts + 1, "
                                 "next_attempt_at = ?3, last_attempt_at = ?4, last_status = ?5, last_error = ?6, "
                                 "delivered_at = CASE WHEN ?2 = 'delivered' THEN ?4 ELSE delivered_at END "
                                 "WHERE id = ?1");
    update.bind(1, delivery_id);
    update.bind(2, state);
    if (!a.delivered && a.next_attempt_at) update.bind(3, format_utc(*a.next_attempt_at));
    else update.bind(3); // NULL
    update.bind(4, format_utc(a.at));
    update.bind(5, a.status);
    update.bind(6, a.error);
    update.exec();
    tx.commit();
    return {};
  });
}

Result<std::int64_t> SqliteWebhookStore::replay_delivery(std::int64_t delivery_id, TimePoint now) {
  std::lock_guard lock(mu_);
  return guarded("replay a webhook delivery", db_.path(), [&]() -> Result<std::int64_t> {
    SQLite::Statement q(db_.native(),
                        "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?2 WHERE id = ?1");
    q.bind(1, delivery_id);
    q.bind(2, format_utc(now));
    return static_cast<std::int64_t>(q.exec());
  });
}

Result<std::int64_t> SqliteWebhookStore::replay_since(const WebhookEndpoint& endpoint, TimePoint since, TimePoint now) {
  std::lock_guard lock(mu_);
  return guarded("replay webhook deliveries", db_.path(), [&]() -> Result<std::int64_t> {
    auto& db = db_.native();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Events past the cursor are fanned out by the daemon anyway; replaying them here would double the row.
    SQLite::Statement events(db, "SELECT f.id, f.order_id, f.type FROM feed_events f WHERE f.at >= ?1 AND f.id <= "
                                 "coalesce((SELECT after FROM webhook_cursors WHERE endpoint = ?2), "
                                 "(SELECT coalesce(max(id), 0) FROM feed_events)) ORDER BY f.id");
    events.bind(1, format_utc(since));
    events.bind(2, endpoint.name);
    std::int64_t queued = 0;
    while (events.executeStep())
      if (wants(endpoint, events.getColumn(2).getString()))
        queued += queue(db, endpoint.name, events.getColumn(0).getInt64(), events.getColumn(1).getInt64(), now, true);
    tx.commit();
    return queued;
  });
}

Result<std::vector<EndpointSummary>> SqliteWebhookStore::summaries() {
  RECHARGED_TRY(std::vector<EndpointSummary> out, backlog());
  std::lock_guard lock(mu_);
  return guarded("count delivered webhooks", db_.path(), [&]() -> Result<std::vector<EndpointSummary>> {
    SQLite::Statement q(db_.native(),
                        "SELECT count(*) FROM webhook_deliveries WHERE endpoint = ? AND state = 'delivered'");
    for (auto& s : out) {
      q.reset();
      q.bind(1, s.endpoint);
      if (q.executeStep()) s.delivered = q.getColumn(0).getInt64();
    }
    return out;
  });
}

std::string_view SqliteWebhookStore::backlog_sql() noexcept { return k_backlog_query; }

Result<std::vector<EndpointSummary>> SqliteWebhookStore::backlog() {
  std::lock_guard lock(mu_);
  return guarded("read the webhook backlog", db_.path(), [&]() -> Result<std::vector<EndpointSummary>> {
    SQLite::Statement q(db_.native(), k_backlog_query);
    std::vector<EndpointSummary> out;
    while (q.executeStep()) {
      EndpointSummary s;
      s.endpoint = q.getColumn(0).getString();
      s.after = q.getColumn(1).getInt64();
      s.pending = q.getColumn(2).getInt64();
      s.failed = q.getColumn(3).getInt64();
      s.oldest_pending_created_at = optional_time(q.getColumn(4));
      out.push_back(std::move(s));
    }
    return out;
  });
}

Result<std::vector<DeliveryRow>> SqliteWebhookStore::deliveries(const std::string& endpoint,
                                                          const std::string& out_recharge_no, int limit) {
  std::lock_guard lock(mu_);
  return guarded("list webhook deliveries", db_.path(), [&]() -> Result<std::vector<DeliveryRow>> {
    SQLite::Statement q(db_.native(), std::string("SELECT ") + k_delivery_columns + k_delivery_from +
                                          "WHERE (?1 = '' OR d.endpoint = ?1) AND (?2 = '' OR o.out_recharge_no = ?2) "
                                          "ORDER BY d.id DESC LIMIT ?3");
    q.bind(1, endpoint);
    q.bind(2, out_recharge_no);
    q.bind(3, limit);
    std::vector<DeliveryRow> out;
    while (q.executeStep()) out.push_back(read_delivery(q));
    return out;
  });
}

Result<std::optional<DeliveryRow>> SqliteWebhookStore::delivery(std::int64_t id) {
  std::lock_guard lock(mu_);
  return guarded("read a webhook delivery", db_.path(), [&]() -> Result<std::optional<DeliveryRow>> {
    SQLite::Statement q(db_.native(), std::string("SELECT ") + k_delivery_columns + k_delivery_from + "WHERE d.id = ?1");
    q.bind(1, id);
    if (!q.executeStep()) return std::optional<DeliveryRow>{};
    return std::optional<DeliveryRow>(read_delivery(q));
  });
}

Result<std::vector<AttemptRow>> SqliteWebhookStore::attempts(std::int64_t delivery_id) {
  std::lock_guard lock(mu_);
  return guarded("read webhook attempts", db_.path(), [&]() -> Result<std::vector<AttemptRow>> {
    SQLite::Statement q(db_.native(),
                        "SELECT at, status, latency_ms, error FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY id");
    q.bind(1, delivery_id);
    std::vector<AttemptRow> out;
    while (q.executeStep())
      out.push_back({time_of(q.getColumn(0)), q.getColumn(1).getInt(), q.getColumn(2).getInt64(), q.getColumn(3).getString()});
    return out;
  });
}

} // namespace recharged::storage
